package redis

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestShutdownLetsInFlightHandlersFinish(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	started, release := make(chan struct{}), make(chan struct{})
	c, err := NewConsumer(ctx, rdb, "s", "g", func(ctx context.Context, _ int) error {
		close(started)
		<-release
		return ctx.Err() // nil: Shutdown's ctx did not end
	}, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	p.Enqueue(ctx, 1)
	recv(t, started)
	done := make(chan error, 1)
	go func() { done <- c.Shutdown(ctx) }()
	close(release)
	if err := recv(t, done); err != nil {
		t.Fatalf("Shutdown = %v, want nil", err)
	}
	if n := rdb.XPending(ctx, testStream, "g").Val().Count; n != 0 || c.Stats().Handled != 1 {
		t.Errorf("after Shutdown: %d pending, %d handled, want 0 and 1", n, c.Stats().Handled)
	}
}

func TestShutdownDeadlineCancelsAndLeavesPending(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	started := make(chan context.Context, 10)
	// One worker and a batch of 4: job 0 runs, jobs 1 to 3 wait in the
	// consumer, read but not started.
	c, err := NewConsumer(ctx, rdb, "s", "g", func(ctx context.Context, _ int) error {
		started <- ctx
		<-ctx.Done()
		return context.Cause(ctx)
	}, fastConsumer(WithWorkers(1), WithBatchSize(4))...)
	if err != nil {
		t.Fatal(err)
	}
	p.EnqueueBatch(ctx, []int{0, 1, 2, 3})
	hctx := recv(t, started)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := c.Shutdown(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a handler that outlives its ctx = %v, want DeadlineExceeded", err)
	}
	if cause := context.Cause(hctx); !errors.Is(cause, context.DeadlineExceeded) {
		t.Errorf("handler ctx cause = %v, want Shutdown's DeadlineExceeded", cause)
	}
	st := c.Stats()
	// The cancelled handler did not fail: its job is put back with the
	// three that never started.
	if st.Handled != 0 || st.Failed != 0 || st.Retried != 0 || st.Released < 4 {
		t.Errorf("Stats() = %+v, want 0 handled, failed or retried, and 4 released "+
			"(or more, if one came back before the reader stopped)", st)
	}
	// Every job runs on a new consumer: nothing was dropped.
	s := newSeen()
	c2, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		s.add(v)
		return nil
	}, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	s.waitAll(t, []int{0, 1, 2, 3}, 10*time.Second)
	shutdown(t, c2)
}

func TestConsumerResumesAfterRedisOutage(t *testing.T) {
	srv, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	s := newSeen()
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		s.add(v)
		return nil
	}, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, c)
	p.Enqueue(ctx, 1)
	s.waitAll(t, []int{1}, 10*time.Second)
	srv.Stop()
	time.Sleep(200 * time.Millisecond)    // the consumer meets the outage and backs off
	if err := srv.Restart(); err != nil { // an empty Redis: the group is re-created
		t.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, 2); err != nil {
		t.Fatal(err)
	}
	s.waitAll(t, []int{2}, 10*time.Second)
}

// TestShutdownCancellationIsNotAFailure: a handler cancelled because
// Shutdown's ctx ended did not fail: its job is put back, not counted as a
// delivery, and never dead-lettered for it.
func TestShutdownCancellationIsNotAFailure(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	started := make(chan struct{}, 1)
	c, err := NewConsumer(ctx, rdb, "s", "g", func(ctx context.Context, _ int) error {
		started <- struct{}{}
		<-ctx.Done()
		return context.Cause(ctx)
	}, fastConsumer(WithMaxDeliveries(1))...)
	if err != nil {
		t.Fatal(err)
	}
	p.Enqueue(ctx, 1)
	recv(t, started)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := c.Shutdown(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	if st := c.Stats(); st.Failed != 0 || st.DeadLettered != 0 || st.Released != 1 {
		t.Errorf("Stats() = %+v, want 0 failed, 0 dead-lettered, 1 released", st)
	}
	if dead, _ := p.DeadLetters(ctx, "", 10); len(dead) != 0 {
		t.Fatalf("dead letters after Shutdown = %+v, want none", dead)
	}
	s := newSeen()
	c2, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		s.add(v)
		return nil
	}, fastConsumer(WithMaxDeliveries(1))...)
	if err != nil {
		t.Fatal(err)
	}
	s.waitAll(t, []int{1}, 10*time.Second)
	shutdown(t, c2)
}
