// Package twotier_test compares holdfast's two-tier cache.Cache (a local
// tier in front of cache/redis) with go-redis/cache v9 (a TinyLFU local
// tier in front of go-redis), both on one real redis-server on loopback,
// started by internal/redistest (skipped when redis-server is missing,
// unless HOLDFAST_REQUIRE_REDIS=1).
//
// Both sides store the same small struct with their default codec
// (holdfast: encoding/json; go-redis/cache: msgpack), a remote TTL of an
// hour and a local TTL of a minute, and share one go-redis client.
//
//   - LocalHit gets a key held by the local tier.
//   - RemoteHit gets keys, written by another instance, through an
//     instance without a local tier, so that every Get costs a Redis GET
//     and a decode. impl=go-redis is a bare GET of stored bytes with no
//     decode: the floor, not a peer.
//   - Stampede starts 1,000 goroutines at once on one cold key, each
//     asking for it with a loader that takes 1ms; loads/op counts how many
//     times the loader ran per stampede (1 is the goal).
package twotier_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rediscache "github.com/go-redis/cache/v9"
	"github.com/redis/go-redis/v9"

	"github.com/holdfast-go/holdfast/cache"
	cacheredis "github.com/holdfast-go/holdfast/cache/redis"
	"github.com/holdfast-go/holdfast/internal/redistest"
)

const (
	remoteTTL   = time.Hour
	localTTL    = time.Minute
	remoteKeys  = 1024
	stampede    = 1000
	loadLatency = time.Millisecond
	hotLocal    = 1024 // local tier entries of LocalHit and Stampede
)

// user is the cached value.
type user struct {
	ID    int    `json:"id" msgpack:"id"`
	Name  string `json:"name" msgpack:"name"`
	Email string `json:"email" msgpack:"email"`
}

func newUser(id int) user {
	return user{ID: id, Name: "user " + strconv.Itoa(id), Email: "user" + strconv.Itoa(id) + "@example.com"}
}

// tiered is what the workloads need of a two-tier cache.
type tiered interface {
	Set(ctx context.Context, key string, v user) error
	Get(ctx context.Context, key string) (user, error)
	GetOrLoad(ctx context.Context, key string, load func(context.Context) (user, error)) (user, error)
}

// impl builds one library's two-tier cache on rdb with a local tier of
// localSize entries, or none when localSize is 0. Keys are prefixed with
// the impl's name so that sides do not share them.
type impl struct {
	name string
	new  func(tb testing.TB, rdb *redis.Client, localSize int) tiered
}

var impls = []impl{
	{"holdfast", func(tb testing.TB, rdb *redis.Client, localSize int) tiered {
		store, err := cacheredis.New(rdb)
		if err != nil {
			tb.Fatal(err)
		}
		opts := []cache.Option{cache.WithStore(store), cache.WithRemoteTTL(remoteTTL), cache.WithLocalTTL(localTTL)}
		if localSize > 0 {
			opts = append(opts, cache.WithLocalEntries(localSize))
		} else {
			opts = append(opts, cache.WithoutLocal())
		}
		c, err := cache.New[user](opts...)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = c.Close() })
		return c
	}},
	{"go-redis-cache", func(_ testing.TB, rdb *redis.Client, localSize int) tiered {
		opts := &rediscache.Options{Redis: rdb}
		if localSize > 0 {
			opts.LocalCache = rediscache.NewTinyLFU(localSize, localTTL)
		}
		return goRedisCache{rediscache.New(opts)}
	}},
}

type goRedisCache struct{ c *rediscache.Cache }

func (g goRedisCache) Set(ctx context.Context, key string, v user) error {
	return g.c.Set(&rediscache.Item{Ctx: ctx, Key: key, Value: v, TTL: remoteTTL})
}

func (g goRedisCache) Get(ctx context.Context, key string) (user, error) {
	var u user
	err := g.c.Get(ctx, key, &u)
	return u, err
}

func (g goRedisCache) GetOrLoad(ctx context.Context, key string, load func(context.Context) (user, error)) (user, error) {
	var u user
	err := g.c.Once(&rediscache.Item{
		Ctx:   ctx,
		Key:   key,
		Value: &u,
		TTL:   remoteTTL,
		Do:    func(it *rediscache.Item) (any, error) { return load(it.Context()) },
	})
	return u, err
}

// BenchmarkTwoTier starts one redis-server and runs every two-tier
// workload against it.
func BenchmarkTwoTier(b *testing.B) {
	srv := redistest.Start(b)
	// cache/redis needs ContextTimeoutEnabled (it bounds every call with
	// a deadline); go-redis/cache does not mind it.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
	b.Cleanup(func() { _ = rdb.Close() })
	b.Run("LocalHit", func(b *testing.B) {
		for _, im := range impls {
			b.Run("impl="+im.name, func(b *testing.B) { benchLocalHit(b, im, rdb) })
		}
	})
	b.Run("RemoteHit", func(b *testing.B) {
		b.Run("impl=go-redis", func(b *testing.B) { benchRedisGet(b, rdb) })
		for _, im := range impls {
			b.Run("impl="+im.name, func(b *testing.B) { benchRemoteHit(b, im, rdb) })
		}
	})
	b.Run("Stampede", func(b *testing.B) {
		for _, im := range impls {
			b.Run("impl="+im.name, func(b *testing.B) { benchStampede(b, im, rdb) })
		}
	})
}

func benchLocalHit(b *testing.B, im impl, rdb *redis.Client) {
	ctx := context.Background()
	c := im.new(b, rdb, hotLocal)
	key, want := im.name+":local", newUser(1)
	if err := c.Set(ctx, key, want); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, err := c.Get(ctx, key); err != nil || got != want {
			b.Fatalf("Get(%q) = %v, %v, want %v", key, got, err, want)
		}
	}
}

// remoteKey is the i-th key of RemoteHit for im.
func remoteKey(im string, i int) string { return im + ":remote:" + strconv.Itoa(i) }

func benchRemoteHit(b *testing.B, im impl, rdb *redis.Client) {
	ctx := context.Background()
	writer := im.new(b, rdb, hotLocal)
	for i := range remoteKeys {
		if err := writer.Set(ctx, remoteKey(im.name, i), newUser(i)); err != nil {
			b.Fatal(err)
		}
	}
	keys := make([]string, remoteKeys)
	for i := range keys {
		keys[i] = remoteKey(im.name, i)
	}
	reader := im.new(b, rdb, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n := i & (remoteKeys - 1)
		if got, err := reader.Get(ctx, keys[n]); err != nil || got.ID != n {
			b.Fatalf("Get(%q) = %v, %v, want ID %d", keys[n], got, err, n)
		}
		i++
	}
}

// benchRedisGet is the floor of a remote hit: one GET of stored bytes.
func benchRedisGet(b *testing.B, rdb *redis.Client) {
	ctx := context.Background()
	keys := make([]string, remoteKeys)
	for i := range keys {
		keys[i] = remoteKey("go-redis", i)
		if err := rdb.Set(ctx, keys[i], fmt.Sprintf(`{"id":%d}`, i), remoteTTL).Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := rdb.Get(ctx, keys[i&(remoteKeys-1)]).Bytes(); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func benchStampede(b *testing.B, im impl, rdb *redis.Client) {
	ctx := context.Background()
	c := im.new(b, rdb, hotLocal)
	var loads atomic.Int64
	load := func(context.Context) (user, error) {
		loads.Add(1)
		time.Sleep(loadLatency)
		return newUser(7), nil
	}
	b.ReportAllocs()
	for b.Loop() {
		key := fmt.Sprintf("%s:stampede:%d", im.name, stampedes.Add(1))
		if err := storm(ctx, c, key, load); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(loads.Load())/float64(b.N), "loads/op")
}

// stampedes numbers the stampedes of the process, so that every one is on
// a key that no earlier one loaded: with -count, the sub-benchmarks run
// again against the same redis-server.
var stampedes atomic.Int64

// storm calls c.GetOrLoad(key) from stampede goroutines released at once
// and returns the first error or wrong value.
func storm(ctx context.Context, c tiered, key string, load func(context.Context) (user, error)) error {
	start := make(chan struct{})
	errs := make(chan error, stampede)
	var wg sync.WaitGroup
	for range stampede {
		wg.Go(func() {
			<-start
			got, err := c.GetOrLoad(ctx, key, load)
			if err == nil && got.ID != 7 {
				err = fmt.Errorf("GetOrLoad(%q) = %v, want ID 7", key, got)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	return <-errs // nil when errs is empty
}
