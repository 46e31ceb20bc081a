package redis

import (
	"testing"
)

// TestProducerStatsCountsErrors enqueues one job, then stops Redis: a
// failed Enqueue and a failed EnqueueBatch each count in Errors, and
// nothing else moves.
func TestProducerStatsCountsErrors(t *testing.T) {
	srv, rdb := startRedis(t)
	ctx := ctxT(t)
	p, err := NewProducer[int](ctx, rdb, "s")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, 1); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, err := p.Enqueue(ctx, 2); err == nil {
		t.Fatal("Enqueue with Redis stopped = nil, want an error")
	}
	if _, err := p.EnqueueBatch(ctx, []int{3, 4}); err == nil {
		t.Fatal("EnqueueBatch with Redis stopped = nil, want an error")
	}
	want := ProducerStats{Enqueued: 1, Errors: 2}
	if got := p.Stats(); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}
