package redis

import (
	"context"
	"testing"

	"github.com/holdfast-go/holdfast/internal/redistest"
)

// BenchmarkLeaseRun measures taking and giving up a lease around a fn that
// returns at once: two round trips to a local redis-server.
func BenchmarkLeaseRun(b *testing.B) {
	addr := redistest.Start(b).Addr()
	l, err := New(newClient(b, addr), "bench")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Run(ctx, fn); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(2, "round-trips/op")
}
