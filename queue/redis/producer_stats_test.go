package redis

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestProducerStatsCountsErrors enqueues one job, then stops Redis: a
// failed Enqueue and a failed EnqueueBatch each count in Errors, and
// nothing else moves.
func TestProducerStatsCountsErrors(t *testing.T) {
	srv, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
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

// TestProducerStatsFullCountsPolls: under WithWaitWhenFull, each try that
// finds the stream full counts in Full, though the Enqueue call returns
// its ctx's error, not ErrFull.
func TestProducerStatsFullCountsPolls(t *testing.T) {
	_, rdb := startRedis(t)
	p := newProducer[int](t, ctxT(t), rdb, "s", WithMaxLen(1), WithWaitWhenFull())
	if _, err := p.Enqueue(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := p.Enqueue(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Enqueue on a full stream, waiting = %v, want the ctx's deadline", err)
	}
	st := p.Stats()
	if st.Enqueued != 1 || st.Full < 2 {
		t.Errorf("Stats() = %+v, want Enqueued 1, Full at least 2 (one per try)", st)
	}
}
