package redis

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/holdfast-go/holdfast/internal/redistest"
)

// firstKeys numbers the keys of the first-run benchmark.
var firstKeys atomic.Int64

// BenchmarkRedis measures Do against a loopback redis-server, counting
// round trips per call with a go-redis hook (round-trips/op): one for a
// replay, two for a first run (acquire, complete).
func BenchmarkRedis(b *testing.B) {
	srv := redistest.Start(b)
	client := newClient(b, srv.Addr())
	var c counter
	client.AddHook(&c)
	g := newGroup(b, newStore(b, client), idempotency.WithCodec(idempotency.RawCodec{}))
	ctx := context.Background()
	fn := func(context.Context) (string, error) { return "order-42 accepted", nil }
	if _, _, err := idempotency.Do(ctx, g, "warm", "fp", fn); err != nil { // loads the scripts
		b.Fatal(err)
	}
	b.Run("replay", func(b *testing.B) {
		before := c.n.Load()
		b.ReportAllocs()
		for b.Loop() {
			if _, replayed, err := idempotency.Do(ctx, g, "warm", "fp", fn); err != nil || !replayed {
				b.Fatalf("Do = _, %v, %v, want a replay", replayed, err)
			}
		}
		b.ReportMetric(float64(c.n.Load()-before)/float64(b.N), "round-trips/op")
	})
	b.Run("first", func(b *testing.B) {
		before := c.n.Load()
		b.ReportAllocs()
		for b.Loop() {
			key := "first:" + strconv.FormatInt(firstKeys.Add(1), 10) // new across runs on one server
			if _, replayed, err := idempotency.Do(ctx, g, key, "fp", fn); err != nil || replayed {
				b.Fatalf("Do = _, %v, %v, want a first run", replayed, err)
			}
		}
		b.ReportMetric(float64(c.n.Load()-before)/float64(b.N), "round-trips/op")
	})
}
