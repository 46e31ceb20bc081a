package redis

import (
	"context"
	"strconv"
	"testing"

	"github.com/holdfast-go/holdfast/internal/redistest"
	goredis "github.com/redis/go-redis/v9"
)

// BenchmarkAllow measures one decision on a loopback redis-server, over
// 1,000 keys, with the commands each sent (round-trips/op).
func BenchmarkAllow(b *testing.B) {
	addr := redistest.Start(b).Addr()
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	ctx := context.Background()
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			c := goredis.NewClient(&goredis.Options{Addr: addr})
			defer c.Close()
			lim, err := New(c, PerSecond(1_000_000, 1_000_000))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := lim.Allow(ctx, "warm-up"); err != nil {
				b.Fatal(err)
			}
			h := &countHook{}
			c.AddHook(h)
			b.ReportAllocs()
			if mode == "serial" {
				i := 0
				for b.Loop() {
					if _, err := lim.Allow(ctx, keys[i%len(keys)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					for i := 0; pb.Next(); i++ {
						if _, err := lim.Allow(ctx, keys[i%len(keys)]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(len(h.names))/float64(lim.Stats().Decisions-1), "round-trips/op")
		})
	}
}
