package redis

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"context"
	"github.com/holdfast-go/holdfast/internal/panics"
	"github.com/redis/go-redis/v9"
	"testing"
	"time"
)

func TestEnqueueAndHandle(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "jobs")
	s := newSeen()
	c, err := NewConsumer(ctx, rdb, "jobs", "g", func(_ context.Context, v int) error {
		s.add(v)
		return nil
	}, fastConsumer(WithWorkers(4))...)
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	ids := map[string]bool{}
	for i := range 200 {
		id, err := p.Enqueue(ctx, i)
		if err != nil {
			t.Fatalf("Enqueue(%d) = %v", i, err)
		}
		ids[id] = true
		want = append(want, i)
	}
	if len(ids) != 200 {
		t.Fatalf("200 Enqueues gave %d distinct IDs, want 200", len(ids))
	}
	s.waitAll(t, want, 10*time.Second)
	shutdown(t, c)
	st := c.Stats()
	if st.Handled != 200 || st.Failed != 0 || st.InFlight != 0 {
		t.Errorf("Stats() = %+v, want 200 handled, none failed or in flight", st)
	}
	if n := rdb.XPending(ctx, "holdfast:queue:{jobs}", "g").Val().Count; n != 0 {
		t.Errorf("pending after Shutdown = %d, want 0", n)
	}
}

func TestNewConsumerBadInput(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	h := func(context.Context, int) error { return nil }
	noTimeouts := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr})
	defer noTimeouts.Close()
	tests := []struct {
		name          string
		ctx           context.Context
		client        redis.UniversalClient
		stream, group string
		handler       func(context.Context, int) error
		opts          []ConsumerOption
		want          string
	}{
		{"nil ctx", nil, rdb, "s", "g", h, nil, "nil Context"},
		{"nil client", ctx, nil, "s", "g", h, nil, "client must not be nil"},
		{"no ctx timeouts", ctx, noTimeouts, "s", "g", h, nil, "ContextTimeoutEnabled"},
		{"empty stream", ctx, rdb, "", "g", h, nil, "stream name must not be empty"},
		{"empty group", ctx, rdb, "s", "", h, nil, "group name must not be empty"},
		{"nil handler", ctx, rdb, "s", "g", nil, nil, "handler must not be nil"},
		{"nil option", ctx, rdb, "s", "g", h, []ConsumerOption{nil}, "nil Option"},
		{"workers", ctx, rdb, "s", "g", h, []ConsumerOption{WithWorkers(0)}, "WithWorkers: workers must be in [1, 10000], got 0"},
		{"negative workers", ctx, rdb, "s", "g", h, []ConsumerOption{WithWorkers(-1)}, "got -1"},
		{"batch", ctx, rdb, "s", "g", h, []ConsumerOption{WithBatchSize(0)}, "WithBatchSize: size must be in [1, 10000], got 0"},
		{"visibility", ctx, rdb, "s", "g", h, []ConsumerOption{WithVisibilityTimeout(0)}, "WithVisibilityTimeout: timeout must be >= 10ms, got 0s"},
		{"deliveries", ctx, rdb, "s", "g", h, []ConsumerOption{WithMaxDeliveries(0)}, "WithMaxDeliveries: deliveries must be > 0, got 0"},
		{"block", ctx, rdb, "s", "g", h, []ConsumerOption{WithBlock(0)}, "WithBlock"},
		{"backoff", ctx, rdb, "s", "g", h, []ConsumerOption{WithRetryBackoff(2, 1)}, "WithRetryBackoff"},
		{"on error", ctx, rdb, "s", "g", h, []ConsumerOption{WithOnError(nil)}, "WithOnError: hook must not be nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewConsumer(tt.ctx, tt.client, tt.stream, tt.group, tt.handler, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				if c != nil {
					shutdown(t, c)
				}
				t.Fatalf("NewConsumer() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestShutdownTwice(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	c, err := NewConsumer(ctx, rdb, "s", "g", func(context.Context, int) error { return nil }, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	var nilCtx context.Context
	if err := c.Shutdown(nilCtx); err == nil || !strings.Contains(err.Error(), "nil Context") {
		t.Errorf("Shutdown(nil) = %v, want a nil Context error", err)
	}
	shutdown(t, c)
	if err := c.Shutdown(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("second Shutdown = %v, want ErrClosed", err)
	}
	// The consumer held nothing: Shutdown removed it from the group.
	if cs := rdb.XInfoConsumers(ctx, "holdfast:queue:{s}", "g").Val(); len(cs) != 0 {
		t.Errorf("consumers after Shutdown = %v, want none", cs)
	}
}

func TestRetryThenSucceed(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	var calls atomic.Int32
	var failedIDs []string
	var mu sync.Mutex
	done := make(chan struct{})
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		if calls.Add(1) <= 2 {
			return errors.New("dependency down")
		}
		close(done)
		return nil
	}, fastConsumer(WithMaxDeliveries(5), WithOnError(func(id string, err error) {
		mu.Lock()
		failedIDs = append(failedIDs, id)
		mu.Unlock()
	}))...)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := p.Enqueue(ctx, 1)
	recv(t, done)
	shutdown(t, c)
	if st := c.Stats(); st.Failed != 2 || st.Retried != 2 || st.Handled != 1 || st.DeadLettered != 0 {
		t.Errorf("Stats() = %+v, want 2 failed, 2 retried, 1 handled", st)
	}
	if len(failedIDs) != 2 || failedIDs[0] != id || failedIDs[1] != id {
		t.Errorf("OnError IDs = %v, want %s twice: the job keeps its ID across retries", failedIDs, id)
	}
}

func TestDeadLetters(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	var healthy atomic.Bool
	s := newSeen()
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		if !healthy.Load() {
			return fmt.Errorf("bad job %d", v)
		}
		s.add(v)
		return nil
	}, fastConsumer(WithMaxDeliveries(3))...)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, c)
	id7, _ := p.Enqueue(ctx, 7)
	id8, _ := p.Enqueue(ctx, 8)
	dead := waitDead(t, p, 2)
	for _, dl := range dead {
		v, err := p.Decode(dl)
		if err != nil || dl.Deliveries != 3 || dl.Group != "g" || dl.Err != fmt.Sprintf("bad job %d", v) {
			t.Errorf("dead letter %+v (value %d, %v), want 3 deliveries in g with its error", dl, v, err)
		}
		if (v == 7 && dl.ID != id7) || (v == 8 && dl.ID != id8) {
			t.Errorf("dead letter of %d has ID %s, want the ID Enqueue returned", v, dl.ID)
		}
	}
	healthy.Store(true)
	n, err := p.Requeue(ctx, dead[0].Key, "0-1")
	if n != 1 || err != nil {
		t.Fatalf("Requeue(one dead, one unknown) = %d, %v, want 1, nil", n, err)
	}
	v0, _ := p.Decode(dead[0])
	s.waitAll(t, []int{v0}, 10*time.Second)
	if n, err := p.DeleteDead(ctx, dead[1].Key); n != 1 || err != nil {
		t.Fatalf("DeleteDead = %d, %v, want 1, nil", n, err)
	}
	if left, err := p.DeadLetters(ctx, "", 10); len(left) != 0 || err != nil {
		t.Fatalf("DeadLetters after Requeue and DeleteDead = %v, %v, want none", left, err)
	}
	if _, err := p.DeadLetters(ctx, "", 0); err == nil {
		t.Errorf("DeadLetters(n=0) = nil error, want one")
	}
}

// waitDead polls the dead letters until there are n.
func waitDead(t *testing.T, p *Producer[int], n int) []DeadLetter {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		dead, err := p.DeadLetters(context.Background(), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(dead) >= n {
			return dead
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d dead letters, want %d", len(dead), n)
		}
		time.Sleep(10 * time.Millisecond) // polls Redis, a real process
	}
}

func TestPanicIsAFailureWithItsStack(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	errs := make(chan error, 10)
	s := newSeen()
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		switch v {
		case 1:
			panic("boom")
		case 2:
			runtime.Goexit()
		}
		s.add(v)
		return nil
	}, fastConsumer(WithWorkers(1), WithMaxDeliveries(1), WithOnError(func(_ string, err error) { errs <- err }))...)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, c)
	p.Enqueue(ctx, 1)
	p.Enqueue(ctx, 2)
	p.Enqueue(ctx, 3)
	s.waitAll(t, []int{3}, 10*time.Second) // the one worker survived both
	for range 2 {
		var pe *PanicError
		if err := recv(t, errs); !errors.As(err, &pe) || len(pe.Stack) == 0 {
			t.Fatalf("OnError got %v, want a *PanicError with a stack", err)
		}
		if pe.Value != "boom" && pe.Value != panics.Goexit {
			t.Errorf("PanicError.Value = %v, want boom or panics.Goexit", pe.Value)
		}
	}
	dead := waitDead(t, p, 2)
	for _, dl := range dead {
		if !strings.Contains(dl.Err, "queue/redis: panic: ") || !strings.Contains(dl.Err, "goroutine ") {
			t.Errorf("dead letter error = %q, want the panic and its stack", dl.Err)
		}
	}
}

func TestUndecodableJobIsDeadAtOnce(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	raw := newProducer[string](t, ctx, rdb, "s", WithCodec(RawCodec{}))
	raw.Enqueue(ctx, "not json")
	c, err := NewConsumer(ctx, rdb, "s", "g", func(context.Context, int) error { return nil },
		fastConsumer(WithMaxDeliveries(5))...)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, c)
	p := newProducer[int](t, ctx, rdb, "s")
	dead := waitDead(t, p, 1)
	if dead[0].Deliveries != 1 || !strings.Contains(dead[0].Err, "decode job") {
		t.Errorf("dead letter = %+v, want 1 delivery and a decode error", dead[0])
	}
}

func TestRetryIsForItsGroupOnly(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	var failedOnce atomic.Bool
	a, b := newSeen(), newSeen()
	ca, err := NewConsumer(ctx, rdb, "s", "a", func(_ context.Context, v int) error {
		if failedOnce.CompareAndSwap(false, true) {
			return errors.New("once")
		}
		a.add(v)
		return nil
	}, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := NewConsumer(ctx, rdb, "s", "b", func(_ context.Context, v int) error {
		b.add(v)
		return nil
	}, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	p.Enqueue(ctx, 1)
	a.waitAll(t, []int{1}, 10*time.Second)
	b.waitAll(t, []int{1}, 10*time.Second)
	shutdown(t, ca)
	shutdown(t, cb)
	if a.count(1) != 1 || b.count(1) != 1 {
		t.Errorf("group a ran the job %d times and b %d, want once each (a's retry is a's)", a.count(1), b.count(1))
	}
}

// TestRetriesOfTwoGroupsDoNotCollide: when two groups fail the same job
// at once, each group's retry must survive; one must not overwrite the
// other in the delay set.
func TestRetriesOfTwoGroupsDoNotCollide(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	var arrived sync.WaitGroup
	arrived.Add(2)
	both := make(chan struct{})
	go func() { arrived.Wait(); close(both) }()
	handler := func(failed *atomic.Bool, s *seen) func(context.Context, int) error {
		return func(_ context.Context, v int) error {
			if failed.CompareAndSwap(false, true) {
				arrived.Done()
				<-both // both groups fail together: both retries wait at once
				return errors.New("dependency down")
			}
			s.add(v)
			return nil
		}
	}
	var failedA, failedB atomic.Bool
	a, b := newSeen(), newSeen()
	// A retry waits 250ms to 500ms: long enough that both are in the delay
	// set together.
	opts := fastConsumer(WithRetryBackoff(500*time.Millisecond, 500*time.Millisecond))
	ca, err := NewConsumer(ctx, rdb, "s", "a", handler(&failedA, a), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, ca)
	cb, err := NewConsumer(ctx, rdb, "s", "b", handler(&failedB, b), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, cb)
	if _, err := p.Enqueue(ctx, 1); err != nil {
		t.Fatal(err)
	}
	a.waitAll(t, []int{1}, 5*time.Second)
	b.waitAll(t, []int{1}, 5*time.Second)
}

// TestUniqueKeyAcrossDeadLetterAndRequeue: dead-lettering a job releases
// its unique key; requeueing it takes the key again when it is free.
func TestUniqueKeyAcrossDeadLetterAndRequeue(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	c, err := NewConsumer(ctx, rdb, "s", "g", func(context.Context, int) error {
		return errors.New("always")
	}, fastConsumer(WithMaxDeliveries(1))...)
	if err != nil {
		t.Fatal(err)
	}
	id1, _ := p.Enqueue(ctx, 1, WithUniqueKey("k"))
	dead := waitDead(t, p, 1)
	shutdown(t, c)
	if n := rdb.XPending(ctx, "holdfast:queue:{s}", "g").Val().Count; n != 0 {
		t.Errorf("%d entries pending after dead-lettering, want 0: a dead letter is acknowledged", n)
	}
	id2, err := p.Enqueue(ctx, 2, WithUniqueKey("k"))
	if err != nil || id2 == id1 {
		t.Fatalf("Enqueue with the key of a dead job = %q, %v, want a new ID", id2, err)
	}
	// Free the key again (as if job 2 were handled), then requeue job 1.
	rdb.HDel(ctx, "holdfast:queue:{s}:uniq", "k")
	if n, err := p.Requeue(ctx, dead[0].Key); n != 1 || err != nil {
		t.Fatalf("Requeue = %d, %v, want 1, nil", n, err)
	}
	if id, err := p.Enqueue(ctx, 3, WithUniqueKey("k")); err != nil || id != id1 {
		t.Errorf("Enqueue with the key of a requeued job = %q, %v, want %q", id, err, id1)
	}
}

// A panic in the WithOnError hook does not take the worker down: the job
// it reported is still retried and handled, and Shutdown returns the panic.
func TestOnErrorHookPanic(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	var calls atomic.Int32
	done := make(chan struct{})
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		if calls.Add(1) == 1 {
			return errors.New("dependency down")
		}
		close(done)
		return nil
	}, fastConsumer(WithMaxDeliveries(5), WithOnError(func(string, error) { panic("hook boom") }))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, 1); err != nil {
		t.Fatal(err)
	}
	recv(t, done)
	err = c.Shutdown(ctx)
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "hook boom" {
		t.Fatalf("Shutdown() = %v, want the hook's *PanicError", err)
	}
	if st := c.Stats(); st.Failed != 1 || st.Retried != 1 || st.Handled != 1 {
		t.Errorf("Stats() = %+v, want 1 failed, 1 retried, 1 handled", st)
	}
}
