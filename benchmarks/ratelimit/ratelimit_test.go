// Package ratelimit_test compares holdfast's limit/redis (GCRA in one Lua
// script) with go-redis/redis_rate v10 (GCRA in one Lua script), on one
// real redis-server started by internal/redistest on loopback (skipped
// when redis-server is missing, unless HOLDFAST_REQUIRE_REDIS=1).
//
// Both allow 1,000,000 a second with burst 1,000,000 per key over 1,000
// keys, so every decision is an allowed one and writes its key: the cost
// measured is one decision, round trip included. impl=go-redis is a bare
// EVALSHA of a script that returns 1: the floor of a script round trip,
// not a peer. The round-trips metric counts the commands each decision
// sent (through a go-redis hook).
package ratelimit_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/holdfast-go/holdfast/internal/redistest"
	limitredis "github.com/holdfast-go/holdfast/limit/redis"
)

const keys = 1000

// counter is a go-redis hook that counts the commands sent.
type counter struct{ n atomic.Int64 }

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

var names [keys]string

func init() {
	for i := range names {
		names[i] = "user-" + strconv.Itoa(i)
	}
}

func BenchmarkAllow(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	impls := []struct {
		name  string
		build func(b *testing.B, c *redis.Client) func(key string) error
	}{
		{"holdfast", func(b *testing.B, c *redis.Client) func(string) error {
			lim, err := limitredis.New(c, limitredis.PerSecond(1_000_000, 1_000_000))
			if err != nil {
				b.Fatal(err)
			}
			return func(key string) error {
				_, err := lim.Allow(ctx, key)
				return err
			}
		}},
		{"redis_rate", func(b *testing.B, c *redis.Client) func(string) error {
			lim := redis_rate.NewLimiter(c)
			l := redis_rate.Limit{Rate: 1_000_000, Burst: 1_000_000, Period: 1_000_000_000}
			return func(key string) error {
				_, err := lim.Allow(ctx, key, l)
				return err
			}
		}},
		{"go-redis", func(b *testing.B, c *redis.Client) func(string) error {
			s := redis.NewScript("return 1")
			return func(key string) error { return s.Run(ctx, c, []string{key}).Err() }
		}},
	}
	for _, mode := range []string{"serial", "parallel"} {
		for _, impl := range impls {
			b.Run(mode+"/impl="+impl.name, func(b *testing.B) {
				c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
				defer c.Close()
				allow := impl.build(b, c)
				if err := allow("warm-up"); err != nil { // loads the script
					b.Fatal(err)
				}
				h := &counter{}
				c.AddHook(h)
				b.ReportAllocs()
				var ops atomic.Int64
				if mode == "serial" {
					i := 0
					for b.Loop() {
						if err := allow(names[i%keys]); err != nil {
							b.Fatal(err)
						}
						i++
						ops.Add(1)
					}
				} else {
					b.RunParallel(func(pb *testing.PB) {
						i := 0
						for pb.Next() {
							if err := allow(names[i%keys]); err != nil {
								b.Error(err)
								return
							}
							i++
							ops.Add(1)
						}
					})
				}
				b.ReportMetric(float64(h.n.Load())/float64(max(ops.Load(), 1)), "round-trips/op")
			})
		}
	}
}
