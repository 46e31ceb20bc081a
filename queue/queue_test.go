package queue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestNewBounds checks that a capacity from configuration cannot take the
// process down: above the limits New is an error, not a panic in makechan
// nor an allocation of gigabytes.
func TestNewBounds(t *testing.T) {
	tests := []struct {
		capacity int
		wantErr  string
	}{
		{math.MaxInt, "queue: New: capacity must be at most MaxCapacity (1048576), got 9223372036854775807"},
		{1 << 33, "queue: New: capacity must be at most MaxCapacity (1048576), got 8589934592"},
		{MaxCapacity + 1, "queue: New: capacity must be at most MaxCapacity (1048576), got 1048577"},
	}
	for _, tt := range tests {
		if _, err := New[int](tt.capacity); err == nil || err.Error() != tt.wantErr {
			t.Errorf("New(%d) error = %v, want %q", tt.capacity, err, tt.wantErr)
		}
	}
	q, err := New[int](MaxCapacity)
	if err != nil || q.Cap() != MaxCapacity {
		t.Fatalf("New(MaxCapacity) = %v, %v, want a queue of capacity %d", q, err, MaxCapacity)
	}
	// 1 KiB items: the buffer would take 1 GiB.
	_, err = New[[1024]byte](MaxCapacity)
	want := "queue: New: capacity 1048576 of 1024-byte items is more than MaxBufferBytes (268435456)"
	if err == nil || err.Error() != want {
		t.Errorf("New[[1024]byte](MaxCapacity) error = %v, want %q", err, want)
	}
	if _, err := New[[1024]byte](MaxBufferBytes / 1024); err != nil {
		t.Errorf("New[[1024]byte](MaxBufferBytes/1024) error = %v, want nil", err)
	}
	if _, err := New[struct{}](MaxCapacity); err != nil {
		t.Errorf("New[struct{}](MaxCapacity) error = %v, want nil", err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		capacity int
		wantErr  string
	}{
		{capacity: -1, wantErr: "queue: New: capacity must be > 0, got -1"},
		{capacity: 0, wantErr: "queue: New: capacity must be > 0, got 0"},
		{capacity: 1},
		{capacity: 100},
	}
	for _, tt := range tests {
		q, err := New[int](tt.capacity)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("New(%d) error = %v, want %q", tt.capacity, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("New(%d) error = %v", tt.capacity, err)
		}
		if q.Cap() != tt.capacity || q.Len() != 0 {
			t.Errorf("New(%d): Cap, Len = %d, %d, want %d, 0", tt.capacity, q.Cap(), q.Len(), tt.capacity)
		}
	}
}

// newQueue returns a queue of the given capacity or fails the test.
func newQueue[T any](t *testing.T, capacity int) *Queue[T] {
	t.Helper()
	q, err := New[T](capacity)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestQueueFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		q := newQueue[int](t, 3)
		const n = 100
		go func() {
			for i := range n {
				if err := q.Put(ctx, i); err != nil {
					panic(err) // the test would deadlock; fail loudly instead
				}
			}
			q.Close()
		}()
		var got []int
		for {
			v, err := q.Get(ctx)
			if errors.Is(err, ErrClosed) {
				break
			}
			if err != nil {
				t.Fatalf("Get() error = %v", err)
			}
			got = append(got, v)
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		if !slices.Equal(got, want) {
			t.Errorf("Get() order = %v, want %v", got, want)
		}
	})
}

func TestQueueTry(t *testing.T) {
	q := newQueue[string](t, 2)
	if _, err := q.TryGet(); err != ErrEmpty {
		t.Errorf("TryGet() on empty = %v, want %v", err, ErrEmpty)
	}
	for _, v := range []string{"a", "b"} {
		if err := q.TryPut(v); err != nil {
			t.Fatalf("TryPut(%q) = %v, want nil", v, err)
		}
	}
	if err := q.TryPut("c"); err != ErrFull {
		t.Errorf("TryPut(c) on full = %v, want %v", err, ErrFull)
	}
	if q.Len() != 2 {
		t.Errorf("Len() = %d, want 2", q.Len())
	}
	if v, err := q.TryGet(); v != "a" || err != nil {
		t.Errorf("TryGet() = %q, %v, want a, nil", v, err)
	}
	q.Close()
	if err := q.TryPut("d"); err != ErrClosed {
		t.Errorf("TryPut(d) after Close = %v, want %v", err, ErrClosed)
	}
	if v, err := q.TryGet(); v != "b" || err != nil {
		t.Errorf("TryGet() after Close = %q, %v, want b, nil", v, err)
	}
	if _, err := q.TryGet(); err != ErrClosed {
		t.Errorf("TryGet() on closed, drained = %v, want %v", err, ErrClosed)
	}
}

// cancellable returns a context that can be cancelled (its Done channel is
// not nil), to take Get's select path rather than its plain receive.
func cancellable(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

func TestQueueCloseDrains(t *testing.T) {
	tests := []struct {
		name string
		ctx  func(*testing.T) context.Context
	}{
		{"background", func(*testing.T) context.Context { return context.Background() }},
		{"cancellable", cancellable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx(t)
			q := newQueue[int](t, 4)
			for i := range 3 {
				if err := q.Put(ctx, i); err != nil {
					t.Fatalf("Put(%d) = %v", i, err)
				}
			}
			q.Close()
			q.Close() // a second Close is a no-op
			if err := q.Put(ctx, 9); err != ErrClosed {
				t.Errorf("Put after Close = %v, want %v", err, ErrClosed)
			}
			for i := range 3 {
				if v, err := q.Get(ctx); v != i || err != nil {
					t.Errorf("Get() = %d, %v, want %d, nil", v, err, i)
				}
			}
			if _, err := q.Get(ctx); err != ErrClosed {
				t.Errorf("Get() on closed, drained = %v, want %v", err, ErrClosed)
			}
		})
	}
}

// blocked runs op in a goroutine and returns a channel that receives its
// error; it also checks, with synctest.Wait, that op is blocked.
func blocked(t *testing.T, op func() error) <-chan error {
	t.Helper()
	res := make(chan error, 1)
	go func() { res <- op() }()
	synctest.Wait()
	select {
	case err := <-res:
		t.Fatalf("operation returned %v, want it blocked", err)
	default:
	}
	return res
}

// result returns op's error once every goroutine in the bubble is idle;
// it fails the test if op is still blocked.
func result(t *testing.T, res <-chan error) error {
	t.Helper()
	synctest.Wait()
	select {
	case err := <-res:
		return err
	default:
		t.Fatal("operation still blocked, want it returned")
		return nil
	}
}

func TestQueuePutBlocksWhileFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		q := newQueue[int](t, 1)
		if err := q.Put(ctx, 1); err != nil {
			t.Fatal(err)
		}
		res := blocked(t, func() error { return q.Put(ctx, 2) })
		if v, err := q.Get(ctx); v != 1 || err != nil {
			t.Fatalf("Get() = %d, %v, want 1, nil", v, err)
		}
		if err := result(t, res); err != nil {
			t.Errorf("blocked Put = %v, want nil after a Get", err)
		}
		if v, err := q.Get(ctx); v != 2 || err != nil {
			t.Errorf("Get() = %d, %v, want 2, nil", v, err)
		}
	})
}

func TestQueueGetBlocksWhileEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		q := newQueue[int](t, 1)
		got := make(chan int, 1)
		res := blocked(t, func() error {
			v, err := q.Get(ctx)
			got <- v
			return err
		})
		if err := q.Put(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if err := result(t, res); err != nil || <-got != 7 {
			t.Errorf("blocked Get = %v, want 7, nil", err)
		}
	})
}

// TestQueueWakeUp checks that blocked puts and gets wake up on Close, on
// cancellation and on a deadline, with the right error.
func TestQueueWakeUp(t *testing.T) {
	tests := []struct {
		name    string
		full    bool // fill the queue first, so that Put blocks
		op      func(context.Context, *Queue[int]) error
		wake    func(q *Queue[int], cancel context.CancelFunc)
		wantErr error
	}{
		{"Put/Close", true, put, closeQueue, ErrClosed},
		{"Put/cancel", true, put, cancelCtx, context.Canceled},
		{"Put/deadline", true, put, nil, context.DeadlineExceeded},
		{"Get/Close", false, get, closeQueue, ErrClosed},
		{"Get/cancel", false, get, cancelCtx, context.Canceled},
		{"Get/deadline", false, get, nil, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				q := newQueue[int](t, 1)
				if tt.full {
					if err := q.TryPut(0); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
				defer cancel()
				start := time.Now()
				res := blocked(t, func() error { return tt.op(ctx, q) })
				if tt.wake != nil {
					tt.wake(q, cancel)
				}
				if err := <-res; err != tt.wantErr {
					t.Errorf("%s = %v, want %v", tt.name, err, tt.wantErr)
				}
				if tt.wake == nil && time.Since(start) != time.Hour {
					t.Errorf("%s returned after %v, want 1h", tt.name, time.Since(start))
				}
			})
		})
	}
}

func put(ctx context.Context, q *Queue[int]) error { return q.Put(ctx, 1) }

func get(ctx context.Context, q *Queue[int]) error {
	_, err := q.Get(ctx)
	return err
}

func closeQueue(q *Queue[int], _ context.CancelFunc) { q.Close() }

func cancelCtx(_ *Queue[int], cancel context.CancelFunc) { cancel() }

// TestQueueDoneContext checks that an operation with a ctx that is already
// done fails, even when it could have succeeded, and changes nothing.
func TestQueueDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q := newQueue[int](t, 2)
	if err := q.Put(ctx, 1); err != context.Canceled {
		t.Errorf("Put(done ctx) = %v, want %v", err, context.Canceled)
	}
	if q.Len() != 0 {
		t.Errorf("Len() after failed Put = %d, want 0", q.Len())
	}
	if err := q.TryPut(1); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Get(ctx); err != context.Canceled {
		t.Errorf("Get(done ctx) = %v, want %v", err, context.Canceled)
	}
	if q.Len() != 1 {
		t.Errorf("Len() after failed Get = %d, want 1", q.Len())
	}
}

// TestQueueLossless runs producers and consumers against a Close at a
// random moment, with real concurrency, and checks that the consumers got
// every accepted item exactly once, in each producer's order, and that no
// put that started after Close returned succeeded.
// TestQueueNilContext checks the nil-context policy of CONTRIBUTING.md: Put
// and Get return an error for a nil ctx and leave the queue as it was.
func TestQueueNilContext(t *testing.T) {
	var nilCtx context.Context
	q, _ := New[int](2)
	if err := q.TryPut(7); err != nil {
		t.Fatal(err)
	}
	if err := q.Put(nilCtx, 1); err == nil || err.Error() != "queue: nil Context" {
		t.Errorf("Put(nil ctx) = %v, want %q", err, "queue: nil Context")
	}
	if v, err := q.Get(nilCtx); err == nil || err.Error() != "queue: nil Context" || v != 0 {
		t.Errorf("Get(nil ctx) = %v, %v, want 0, %q", v, err, "queue: nil Context")
	}
	if q.Len() != 1 {
		t.Errorf("Len() = %d after the nil-ctx calls, want 1", q.Len())
	}
}

func TestQueueLossless(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			checkQueueLossless(t, seed)
		})
	}
}

func checkQueueLossless(t *testing.T, seed uint64) {
	const producers, consumers, items = 6, 4, 300
	rng := rand.New(rand.NewPCG(seed, 1))
	q := newQueue[int](t, 1+rng.IntN(16))
	closeAfter := 1 + rng.IntN(producers*items) // the put after which to Close

	var (
		wg, prod    sync.WaitGroup
		putCount    atomic.Int64
		closed      atomic.Bool // set once Close has returned
		lateAccepts atomic.Int64
		accepted    = make([][]int, producers)
		received    = make([][]int, consumers)
	)
	for p := range producers {
		prod.Go(func() {
			ctx := cancellable(t)
			for i := range items {
				v := p*items + i
				wasClosed := closed.Load()
				var err error
				switch i % 3 {
				case 0:
					err = q.Put(context.Background(), v)
				case 1:
					err = q.Put(ctx, v)
				default:
					for err = q.TryPut(v); err == ErrFull; err = q.TryPut(v) {
						runtime.Gosched()
					}
				}
				if err == nil {
					accepted[p] = append(accepted[p], v)
					if wasClosed {
						lateAccepts.Add(1)
					}
				}
				if putCount.Add(1) == int64(closeAfter) {
					q.Close()
					closed.Store(true)
				}
			}
		})
	}
	for c := range consumers {
		wg.Go(func() {
			ctx := cancellable(t)
			for {
				var v int
				var err error
				switch len(received[c]) % 3 {
				case 0:
					v, err = q.Get(context.Background())
				case 1:
					v, err = q.Get(ctx)
				default:
					for v, err = q.TryGet(); err == ErrEmpty; v, err = q.TryGet() {
						runtime.Gosched()
					}
				}
				if err == ErrClosed {
					return
				}
				received[c] = append(received[c], v)
			}
		})
	}
	prod.Wait()
	q.Close() // in case closeAfter was the last put, when Close raced with none
	wg.Wait()

	if n := lateAccepts.Load(); n > 0 {
		t.Errorf("%d puts that started after Close returned succeeded, want 0", n)
	}
	for c, got := range received {
		last := make(map[int]int)
		for _, v := range got {
			p := v / items
			if prev, ok := last[p]; ok && v < prev {
				t.Errorf("consumer %d got %d after %d from producer %d, want FIFO", c, v, prev, p)
			}
			last[p] = v
		}
	}
	want, got := slices.Concat(accepted...), slices.Concat(received...)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("received %d items, accepted %d; the multisets differ", len(got), len(want))
	}
}
