package queue

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/time/rate"

	"github.com/holdfast-go/holdfast/internal/panics"
)

// newPool returns a pool or fails the test.
func newPool[T any](t *testing.T, handler func(context.Context, T) error, opts ...Option) *Pool[T] {
	t.Helper()
	p, err := NewPool(handler, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// shutdown shuts p down and checks that it had nothing left.
func shutdown[T any](t *testing.T, p *Pool[T]) {
	t.Helper()
	if items, err := p.Shutdown(context.Background()); items != nil || err != nil {
		t.Errorf("Shutdown() = %v, %v, want nil, nil", items, err)
	}
}

// list is a slice safe for concurrent appends.
type list[T any] struct {
	mu    sync.Mutex
	items []T
}

func (l *list[T]) add(v T) {
	l.mu.Lock()
	l.items = append(l.items, v)
	l.mu.Unlock()
}

func (l *list[T]) get() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.items)
}

// sorted returns a sorted copy of items.
func sorted(items []int) []int {
	s := slices.Clone(items)
	slices.Sort(s)
	return s
}

func TestPoolHandlesAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var handled list[int]
		p := newPool(t, func(ctx context.Context, v int) error {
			time.Sleep(time.Duration(v%7) * time.Millisecond)
			handled.add(v)
			return nil
		}, WithWorkers(4), WithCapacity(8))
		const n = 100
		for i := range n {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatalf("Submit(%d) = %v", i, err)
			}
		}
		p.Wait()
		if got := sorted(handled.get()); len(got) != n || got[0] != 0 || got[n-1] != n-1 || len(slices.Compact(got)) != n {
			t.Errorf("handled %v, want 0..%d once each", got, n-1)
		}
		want := Stats{Workers: 4, Capacity: 8, Accepted: n, Handled: n}
		if st := p.Stats(); st != want {
			t.Errorf("Stats() = %+v, want %+v", st, want)
		}
		shutdown(t, p)
	})
}

// gated returns a handler that records items and blocks on item 0 until
// release is closed, and the list it records into.
func gated(release <-chan struct{}) (func(context.Context, int) error, *list[int]) {
	var handled list[int]
	return func(ctx context.Context, v int) error {
		if v == 0 {
			<-release
		}
		handled.add(v)
		return nil
	}, &handled
}

// busy returns a one-worker pool whose worker is busy with item 0 until
// release is closed and whose queue, of the given capacity, is full with
// items 1 to capacity; handled lists the items handled. It must run in a
// synctest bubble.
func busy(t *testing.T, capacity int, opts ...Option) (p *Pool[int], release chan struct{}, handled *list[int]) {
	t.Helper()
	release = make(chan struct{})
	handler, handled := gated(release)
	p = newPool(t, handler, append([]Option{WithWorkers(1), WithCapacity(capacity)}, opts...)...)
	for i := range capacity + 1 {
		if err := p.Submit(context.Background(), i); err != nil {
			t.Fatalf("Submit(%d) = %v", i, err)
		}
		synctest.Wait() // let the worker take item 0
	}
	return p, release, handled
}

func TestPoolOverflow(t *testing.T) {
	tests := []struct {
		overflow    Overflow
		submitErr   error // Submit(3) on a full queue; Block blocks instead
		trySubmit   error // then TrySubmit(4)
		wantDropped []int
		wantHandled []int
		wantStats   Stats
	}{
		{Block, nil, ErrFull, nil, []int{0, 1, 2, 3}, Stats{Accepted: 4, Handled: 4, Rejected: 1}},
		{Reject, ErrFull, ErrFull, nil, []int{0, 1, 2}, Stats{Accepted: 3, Handled: 3, Rejected: 2}},
		{DropOldest, nil, nil, []int{1, 2}, []int{0, 3, 4}, Stats{Accepted: 5, Handled: 3, Dropped: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.overflow.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				var dropped list[int]
				p, release, handled := busy(t, 2, WithOverflow(tt.overflow), WithOnDrop(dropped.add))
				if st := p.Stats(); st.InFlight != 1 || st.Queued != 2 {
					t.Errorf("Stats() = %+v, want InFlight 1, Queued 2", st)
				}
				var blockedSubmit <-chan error
				if tt.overflow == Block {
					blockedSubmit = blocked(t, func() error { return p.Submit(ctx, 3) })
				} else if err := p.Submit(ctx, 3); err != tt.submitErr {
					t.Errorf("Submit(3) on full = %v, want %v", err, tt.submitErr)
				}
				if err := p.TrySubmit(4); err != tt.trySubmit {
					t.Errorf("TrySubmit(4) on full = %v, want %v", err, tt.trySubmit)
				}
				close(release)
				if blockedSubmit != nil {
					if err := <-blockedSubmit; err != nil {
						t.Errorf("blocked Submit(3) = %v, want nil", err)
					}
				}
				p.Wait()
				if got := dropped.get(); !slices.Equal(got, tt.wantDropped) {
					t.Errorf("dropped %v, want %v", got, tt.wantDropped)
				}
				if got := handled.get(); !slices.Equal(got, tt.wantHandled) {
					t.Errorf("handled %v, want %v", got, tt.wantHandled)
				}
				want := tt.wantStats
				want.Workers, want.Capacity = 1, 2
				if st := p.Stats(); st != want {
					t.Errorf("Stats() = %+v, want %+v", st, want)
				}
				shutdown(t, p)
			})
		})
	}
}

// TestPoolDropHookExit checks that a drop hook that panics or calls
// runtime.Goexit (t.FailNow in a test's hook does) ends the submitter's
// call that way, and that its item is then not accepted.
func TestPoolDropHookExit(t *testing.T) {
	tests := []struct {
		name string
		hook func(int)
		want any // how TrySubmit ends
	}{
		{"panic", func(v int) { panic(fmt.Sprint("drop ", v)) }, "drop 1"},
		{"Goexit", func(int) { runtime.Goexit() }, errExited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, release, handled := busy(t, 1, WithOverflow(DropOldest), WithOnDrop(tt.hook))
				if r := exit(func() { _ = p.TrySubmit(2) }); r != tt.want {
					t.Errorf("TrySubmit(2) ended with %v, want %v", r, tt.want)
				}
				close(release)
				p.Wait() // returns: item 2 was not accepted, item 1 was dropped
				want := Stats{Workers: 1, Capacity: 1, Accepted: 2, Handled: 1, Dropped: 1}
				if st := p.Stats(); st != want {
					t.Errorf("Stats() = %+v, want %+v", st, want)
				}
				if got := handled.get(); !slices.Equal(got, []int{0}) {
					t.Errorf("handled %v, want [0]", got)
				}
				shutdown(t, p)
			})
		})
	}
}

// errExited is how exit reports a runtime.Goexit.
var errExited = errors.New("called runtime.Goexit")

// exit runs f on a goroutine of its own and returns how f ended: nil if it
// returned, the value it panicked with, or errExited if it called
// runtime.Goexit.
func exit(f func()) any {
	res := make(chan any, 1)
	go func() {
		returned := false
		defer func() {
			r := recover()
			if r == nil && !returned {
				r = errExited
			}
			res <- r
		}()
		f()
		returned = true
	}()
	return <-res
}

// TestPoolNilContext checks the nil-context policy of CONTRIBUTING.md:
// Submit and Shutdown return an error for a nil ctx, under every overflow
// policy, and change nothing: the item is not accepted, the pool still
// runs.
func TestPoolNilContext(t *testing.T) {
	var nilCtx context.Context
	for _, o := range []Overflow{Block, Reject, DropOldest} {
		p := newPool(t, nop, WithOverflow(o))
		if err := p.Submit(nilCtx, 1); err == nil || err.Error() != "queue: nil Context" {
			t.Errorf("%v: Submit(nil ctx) = %v, want %q", o, err, "queue: nil Context")
		}
		if items, err := p.Shutdown(nilCtx); items != nil || err == nil || err.Error() != "queue: nil Context" {
			t.Errorf("%v: Shutdown(nil ctx) = %v, %v, want nil, %q", o, items, err, "queue: nil Context")
		}
		if err := p.Submit(context.Background(), 2); err != nil {
			t.Errorf("%v: Submit after Shutdown(nil ctx) = %v, want nil: the pool still runs", o, err)
		}
		p.Wait()
		if st := p.Stats(); st.Accepted != 1 || st.Handled != 1 {
			t.Errorf("%v: Stats() = %+v, want Accepted 1, Handled 1", o, st)
		}
		shutdown(t, p)
	}
}

func TestPoolSubmitContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, release, handled := busy(t, 1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := p.Submit(ctx, 2); err != context.DeadlineExceeded {
			t.Errorf("Submit(2) on full = %v, want %v", err, context.DeadlineExceeded)
		}
		for _, o := range []Overflow{Reject, DropOldest} {
			p.overflow = o // the policies check ctx too
			if err := p.Submit(ctx, 3); err != context.DeadlineExceeded {
				t.Errorf("Submit(3, done ctx) with %v = %v, want %v", o, err, context.DeadlineExceeded)
			}
		}
		close(release)
		p.Wait()
		if got := handled.get(); !slices.Equal(got, []int{0, 1}) {
			t.Errorf("handled %v, want [0 1]", got)
		}
		shutdown(t, p)
	})
}

func TestPoolWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release, hookRelease := make(chan struct{}), make(chan struct{})
		p := newPool(t, func(ctx context.Context, v int) error {
			<-release
			return errors.New("failed")
		}, WithWorkers(2), WithOnError(func(int, error) { <-hookRelease }))
		p.Wait() // nothing submitted: returns at once

		for i := range 3 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		waits := make([]<-chan error, 3)
		for i := range waits {
			waits[i] = blocked(t, func() error { p.Wait(); return nil })
		}
		close(release)
		synctest.Wait()
		for _, w := range waits {
			select {
			case <-w:
				t.Fatal("Wait returned while the error hook runs, want it blocked")
			default:
			}
		}
		close(hookRelease)
		for _, w := range waits {
			<-w
		}
		if st := p.Stats(); st.Failed != 3 {
			t.Errorf("Stats().Failed = %d, want 3", st.Failed)
		}
		shutdown(t, p)
		p.Wait() // after Shutdown: returns at once
	})
}

func TestPoolRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var at list[time.Duration]
		p := newPool(t, func(ctx context.Context, v int) error {
			at.add(time.Since(start))
			return nil
		}, WithWorkers(3), WithRateLimit(10, 2))
		for i := range 6 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		p.Wait()
		got := at.get()
		slices.Sort(got)
		ms := time.Millisecond
		want := []time.Duration{0, 0, 100 * ms, 200 * ms, 300 * ms, 400 * ms}
		if !slices.Equal(got, want) {
			t.Errorf("handlers started at %v, want %v", got, want)
		}
		shutdown(t, p)
	})
}

func TestPoolItemTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		type failure struct {
			item int
			err  error
			at   time.Duration
		}
		var failures list[failure]
		var handled list[int]
		p := newPool(t, func(ctx context.Context, v int) error {
			if d, ok := ctx.Deadline(); !ok || time.Until(d) != time.Second {
				t.Errorf("handler ctx deadline = %v, %v, want 1s from now", d, ok)
			}
			if v == 0 {
				<-ctx.Done()
				return ctx.Err()
			}
			time.Sleep(500 * time.Millisecond)
			handled.add(v)
			return nil
		}, WithWorkers(2), WithItemTimeout(time.Second), WithOnError(func(v int, err error) {
			failures.add(failure{v, err, time.Since(start)})
		}))
		for i := range 2 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		p.Wait()
		want := []failure{{0, context.DeadlineExceeded, time.Second}}
		if got := failures.get(); !slices.Equal(got, want) {
			t.Errorf("failures %v, want %v", got, want)
		}
		if got := handled.get(); !slices.Equal(got, []int{1}) {
			t.Errorf("handled %v, want [1]", got)
		}
		shutdown(t, p)
	})
}

var errBoom = errors.New("boom")

func TestPoolPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type failure struct {
			item int
			err  error
		}
		var failures list[failure]
		var handled list[int]
		p := newPool(t, func(ctx context.Context, v int) error {
			switch v {
			case 1:
				panic("boom")
			case 2:
				panic(errBoom)
			}
			handled.add(v)
			return nil
		}, WithWorkers(1), WithOnError(func(v int, err error) { failures.add(failure{v, err}) }))
		for i := range 4 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		p.Wait()
		got := failures.get()
		if len(got) != 2 || got[0].item != 1 || got[1].item != 2 {
			t.Fatalf("failures %v, want items 1 and 2", got)
		}
		var pe *PanicError
		if !errors.As(got[0].err, &pe) || pe.Value != "boom" {
			t.Fatalf("failure of item 1 = %#v, want a *PanicError with value boom", got[0].err)
		}
		if !strings.Contains(string(pe.Stack), "TestPoolPanic") {
			t.Errorf("PanicError.Stack = %s, want the panicking function in it", pe.Stack)
		}
		if pe.Error() != "queue: panic: boom" {
			t.Errorf("PanicError.Error() = %q, want %q", pe.Error(), "queue: panic: boom")
		}
		if !errors.Is(got[1].err, errBoom) || !errors.As(got[1].err, &pe) {
			t.Errorf("failure of item 2 = %v, want a *PanicError wrapping errBoom", got[1].err)
		}
		if h := handled.get(); !slices.Equal(h, []int{0, 3}) {
			t.Errorf("handled %v, want [0 3]: the worker keeps going after a panic", h)
		}
		if st := p.Stats(); st.Failed != 2 || st.Handled != 2 {
			t.Errorf("Stats() = %+v, want Failed 2, Handled 2", st)
		}
		shutdown(t, p)
	})
}

func TestPoolGoexit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var failures list[error]
		var handled list[int]
		p := newPool(t, func(ctx context.Context, v int) error {
			if v == 1 {
				runtime.Goexit()
			}
			handled.add(v)
			return nil
		}, WithWorkers(1), WithOnError(func(v int, err error) { failures.add(err) }))
		for i := range 3 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		p.Wait()
		var pe *PanicError
		if got := failures.get(); len(got) != 1 || !errors.As(got[0], &pe) || pe.Value != panics.Goexit {
			t.Fatalf("failures %v, want one *PanicError for runtime.Goexit", got)
		}
		if msg := pe.Error(); msg != "queue: panic: runtime.Goexit called" {
			t.Errorf("PanicError.Error() = %q, want %q", msg, "queue: panic: runtime.Goexit called")
		}
		if !strings.Contains(string(pe.Stack), "TestPoolGoexit") {
			t.Errorf("PanicError.Stack does not show the handler:\n%s", pe.Stack)
		}
		if got := handled.get(); !slices.Equal(got, []int{0, 2}) {
			t.Errorf("handled %v, want [0 2]: a new worker replaces the one that exited", got)
		}
		shutdown(t, p)
	})
}

// TestPoolHookGoexit checks that an error hook that calls runtime.Goexit
// (t.FailNow in a test's hook does) loses neither the item nor the worker:
// every item is counted as failed, Wait and Shutdown return, and Shutdown
// reports the Goexit as a *PanicError, as it does a panic of the hook.
func TestPoolHookGoexit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		p := newPool(t, func(ctx context.Context, v int) error {
			if v == 1 {
				panic("boom")
			}
			return errBoom
		}, WithWorkers(1), WithCapacity(4), WithOnError(func(int, error) {
			calls.Add(1)
			runtime.Goexit()
		}))
		for i := range 3 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		p.Wait()
		if n := calls.Load(); n != 3 {
			t.Errorf("error hook called %d times, want 3: a new worker replaces the one that exited", n)
		}
		want := Stats{Workers: 1, Capacity: 4, Accepted: 3, Failed: 3}
		if st := p.Stats(); st != want {
			t.Errorf("Stats() = %+v, want %+v", st, want)
		}
		items, err := p.Shutdown(context.Background())
		var pe *PanicError
		if items != nil || !errors.As(err, &pe) || pe.Value != panics.Goexit {
			t.Errorf("Shutdown() = %v, %v, want nil and a *PanicError for runtime.Goexit", items, err)
		}
	})
}

func TestPoolHookPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		p := newPool(t, func(ctx context.Context, v int) error {
			return errBoom
		}, WithWorkers(1), WithOnError(func(v int, err error) {
			calls.Add(1)
			panic(fmt.Sprint("hook ", v))
		}))
		for i := range 2 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		p.Wait()
		items, err := p.Shutdown(context.Background())
		var pe *PanicError
		if items != nil || !errors.As(err, &pe) || pe.Value != "hook 0" {
			t.Errorf("Shutdown() = %v, %v, want nil and the first hook panic", items, err)
		}
		if n := calls.Load(); n != 2 {
			t.Errorf("error hook called %d times, want 2: the worker keeps going", n)
		}
		if st := p.Stats(); st.Failed != 2 {
			t.Errorf("Stats().Failed = %d, want 2", st.Failed)
		}
	})
}

func TestPoolShutdownGraceful(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var handled atomic.Int32
		p := newPool(t, func(ctx context.Context, v int) error {
			time.Sleep(10 * time.Millisecond)
			handled.Add(1)
			return nil
		}, WithWorkers(2), WithCapacity(10))
		for i := range 10 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		shutdown(t, p)
		if d := time.Since(start); d != 50*time.Millisecond {
			t.Errorf("Shutdown took %v, want 50ms to finish the queue", d)
		}
		if n := handled.Load(); n != 10 {
			t.Errorf("handled %d items, want 10", n)
		}
		if err := p.Submit(context.Background(), 10); err != ErrClosed {
			t.Errorf("Submit after Shutdown = %v, want %v", err, ErrClosed)
		}
		if err := p.TrySubmit(10); err != ErrClosed {
			t.Errorf("TrySubmit after Shutdown = %v, want %v", err, ErrClosed)
		}
		if items, err := p.Shutdown(context.Background()); items != nil || err != ErrClosed {
			t.Errorf("second Shutdown = %v, %v, want nil, %v", items, err, ErrClosed)
		}
		want := Stats{Workers: 2, Capacity: 10, Accepted: 10, Handled: 10}
		if st := p.Stats(); st != want {
			t.Errorf("Stats() = %+v, want %+v", st, want)
		}
	})
}

// TestPoolShutdownDeadline checks where in-flight items go when Shutdown's
// ctx expires, depending on what their handler does once cancelled.
func TestPoolShutdownDeadline(t *testing.T) {
	tests := []struct {
		name         string
		cancelled    func(ctx context.Context) error
		wantReturned []int // in-flight items returned, sorted (queued ones follow)
		wantFailed   []int
		wantHandled  uint64
	}{
		{"ctx error", func(ctx context.Context) error { return ctx.Err() }, []int{0, 1}, nil, 0},
		{"wrapped ctx error", func(ctx context.Context) error { return fmt.Errorf("call: %w", ctx.Err()) }, []int{0, 1}, nil, 0},
		{"other error", func(context.Context) error { return errBoom }, nil, []int{0, 1}, 0},
		{"panic", func(ctx context.Context) error { panic(ctx.Err()) }, nil, []int{0, 1}, 0},
		{"success", func(context.Context) error { return nil }, nil, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var failed list[int]
				p := newPool(t, func(ctx context.Context, v int) error {
					<-ctx.Done()
					return tt.cancelled(ctx)
				}, WithWorkers(2), WithCapacity(10), WithOnError(func(v int, err error) { failed.add(v) }))
				for i := range 6 {
					if err := p.Submit(context.Background(), i); err != nil {
						t.Fatal(err)
					}
				}
				start := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				items, err := p.Shutdown(ctx)
				if err != context.DeadlineExceeded {
					t.Errorf("Shutdown() error = %v, want %v", err, context.DeadlineExceeded)
				}
				if d := time.Since(start); d != time.Second {
					t.Errorf("Shutdown took %v, want 1s", d)
				}
				n := len(tt.wantReturned)
				if len(items) != n+4 || !slices.Equal(sorted(items[:n]), tt.wantReturned) ||
					!slices.Equal(items[n:], []int{2, 3, 4, 5}) {
					t.Errorf("Shutdown() items = %v, want %v then [2 3 4 5]", items, tt.wantReturned)
				}
				if got := sorted(failed.get()); !slices.Equal(got, tt.wantFailed) {
					t.Errorf("failed %v, want %v", got, tt.wantFailed)
				}
				want := Stats{Workers: 2, Capacity: 10, Accepted: 6, Handled: tt.wantHandled,
					Failed: uint64(len(tt.wantFailed)), Returned: uint64(len(items))}
				if st := p.Stats(); st != want {
					t.Errorf("Stats() = %+v, want %+v", st, want)
				}
			})
		})
	}
}

func TestPoolShutdownReturnsRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		handler, handled := gated(release)
		close(release)
		p := newPool(t, handler, WithWorkers(1), WithRateLimit(rate.Every(time.Hour), 1))
		for i := range 3 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		items, err := p.Shutdown(ctx)
		if !slices.Equal(items, []int{1, 2}) || err != context.DeadlineExceeded {
			t.Errorf("Shutdown() = %v, %v, want [1 2], %v", items, err, context.DeadlineExceeded)
		}
		if got := handled.get(); !slices.Equal(got, []int{0}) {
			t.Errorf("handled %v, want [0]", got)
		}
	})
}

func TestPoolShutdownDoneContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, func(ctx context.Context, v int) error {
			<-ctx.Done()
			return ctx.Err()
		}, WithWorkers(1))
		for i := range 3 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		items, err := p.Shutdown(ctx)
		if !slices.Equal(items, []int{0, 1, 2}) || err != context.Canceled {
			t.Errorf("Shutdown(done ctx) = %v, %v, want [0 1 2], %v", items, err, context.Canceled)
		}
	})
}

// TestPoolShutdownConcurrent checks that a Shutdown during another returns
// at once, and that Shutdown wakes a Submit blocked on a full queue.
func TestPoolShutdownConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, release, handled := busy(t, 1)
		submit := blocked(t, func() error { return p.Submit(context.Background(), 2) })
		first := blocked(t, func() error {
			_, err := p.Shutdown(context.Background())
			return err
		})
		if err := result(t, submit); err != ErrClosed {
			t.Errorf("blocked Submit during Shutdown = %v, want %v", err, ErrClosed)
		}
		if items, err := p.Shutdown(context.Background()); items != nil || err != ErrClosed {
			t.Errorf("Shutdown during Shutdown = %v, %v, want nil, %v", items, err, ErrClosed)
		}
		close(release)
		if err := <-first; err != nil {
			t.Errorf("first Shutdown = %v, want nil", err)
		}
		if got := handled.get(); !slices.Equal(got, []int{0, 1}) {
			t.Errorf("handled %v, want [0 1]", got)
		}
	})
}

// TestPoolShutdownStopsWorkers checks that no goroutine of the pool
// outlives Shutdown, after a graceful and after a forced shutdown.
func TestPoolShutdownStopsWorkers(t *testing.T) {
	for _, forced := range []bool{false, true} {
		block := make(chan struct{})
		p := newPool(t, func(ctx context.Context, v int) error {
			if v == 0 && forced {
				select {
				case <-ctx.Done():
				case <-block:
				}
			}
			return ctx.Err()
		}, WithWorkers(8), WithRateLimit(1e6, 10), WithItemTimeout(time.Hour))
		for i := range 100 {
			if err := p.Submit(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		if forced {
			cancel()
		}
		if _, err := p.Shutdown(ctx); (err != nil) != forced {
			t.Errorf("Shutdown() error = %v, want an error only if forced", err)
		}
		cancel()
		close(block)
		goleak.VerifyNone(t)
	}
}

// TestPoolStatsDuringRejections reads Stats while submits are refused as
// fast as they come: Accepted, which counts the attempts in progress too,
// must never exceed the attempts made (a refusal counted between the reads
// of its two counts must not make the difference wrap around).
func TestPoolStatsDuringRejections(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	p := newPool(t, func(ctx context.Context, v int) error {
		if v == 0 {
			close(started)
			<-release
		}
		return nil
	}, WithWorkers(1), WithCapacity(1), WithOverflow(Reject))
	for i := range 2 {
		if err := p.Submit(context.Background(), i); err != nil {
			t.Fatal(err)
		}
		<-started // the worker holds item 0, so item 1 fills the queue
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 50_000 {
				_ = p.TrySubmit(9)
			}
		})
	}
	const attempts = 2 + 2*50_000
	for done := false; !done; {
		st := p.Stats()
		if st.Accepted > attempts {
			t.Errorf("Stats().Accepted = %d during rejections, want <= %d attempts", st.Accepted, attempts)
			break
		}
		done = st.Rejected == attempts-2
	}
	wg.Wait()
	close(release)
	shutdown(t, p)
}

func TestStatsString(t *testing.T) {
	st := Stats{Workers: 2, Capacity: 8, Queued: 1, InFlight: 2, Accepted: 22, Handled: 3, Failed: 4, Dropped: 5, Rejected: 6, Returned: 7}
	want := "queued=1 inflight=2 accepted=22 handled=3 failed=4 dropped=5 rejected=6 returned=7"
	if got := st.String(); got != want {
		t.Errorf("Stats.String() = %q, want %q", got, want)
	}
}

// TestPoolLossless is the property test of the pool's accounting: many
// producers, random handler delays (fake time), failures and panics, a
// random configuration and a Shutdown at a random moment with a random
// deadline. Every item for which Submit returned nil must end exactly once
// as handled, failed, dropped or returned, and the Stats must agree.
func TestPoolLossless(t *testing.T) {
	for seed := range uint64(200) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			checkPoolLossless(t, seed)
		})
	}
}

// FuzzPoolLossless explores more seeds of the property test:
// go test -fuzz FuzzPoolLossless ./queue/
func FuzzPoolLossless(f *testing.F) {
	f.Add(uint64(0))
	f.Add(uint64(1) << 40)
	f.Fuzz(checkPoolLossless)
}

// outcomes records where each item ended, and every item that ended twice.
type outcomes struct {
	mu    sync.Mutex
	where map[int]string
	twice []string
}

func (o *outcomes) add(v int, where string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if prev, ok := o.where[v]; ok {
		o.twice = append(o.twice, fmt.Sprintf("item %d: %s and %s", v, prev, where))
	}
	o.where[v] = where
}

func (o *outcomes) count(where string) uint64 {
	var n uint64
	for _, w := range o.where {
		if w == where {
			n++
		}
	}
	return n
}

func checkPoolLossless(t *testing.T, seed uint64) {
	synctest.Test(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(seed, 0))
		opts := []Option{
			WithWorkers(1 + rng.IntN(6)),
			WithCapacity(1 + rng.IntN(8)),
			WithOverflow(Overflow(rng.IntN(3))),
		}
		if rng.IntN(2) == 0 {
			opts = append(opts, WithRateLimit(rate.Limit(100+rng.IntN(1000)), 1+rng.IntN(3)))
		}
		if rng.IntN(2) == 0 {
			opts = append(opts, WithItemTimeout(time.Duration(1+rng.IntN(20))*time.Millisecond))
		}
		out := &outcomes{where: make(map[int]string)}
		opts = append(opts,
			WithOnError(func(v int, err error) { out.add(v, "failed") }),
			WithOnDrop(func(v int) { out.add(v, "dropped") }))

		p := newPool(t, func(ctx context.Context, v int) error {
			r := rand.New(rand.NewPCG(seed, uint64(v))) // each item's own fate
			select {
			case <-time.After(time.Duration(r.IntN(10)) * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			switch r.IntN(10) {
			case 0:
				return errBoom
			case 1:
				panic(v)
			}
			out.add(v, "handled")
			return nil
		}, opts...)

		const items = 200
		producers := 1 + rng.IntN(8)
		accepted := make([][]int, producers)
		var shut atomic.Bool // set once Shutdown has returned
		var late atomic.Int32
		var wg sync.WaitGroup
		for i := range producers {
			r := rand.New(rand.NewPCG(seed, uint64(1000+i)))
			wg.Go(func() {
				for j := range items {
					v := i*items + j
					time.Sleep(time.Duration(r.IntN(3)) * time.Millisecond)
					wasShut := shut.Load()
					err := submit(r, p, v)
					if err == nil {
						accepted[i] = append(accepted[i], v)
					}
					if wasShut && err != ErrClosed {
						late.Add(1)
					}
					if err == ErrClosed {
						return
					}
				}
			})
		}
		time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.IntN(30))*time.Millisecond)
		returned, err := p.Shutdown(ctx)
		cancel()
		shut.Store(true)
		if err != nil && err != context.DeadlineExceeded {
			t.Errorf("Shutdown() error = %v", err)
		}
		if err == nil && len(returned) > 0 {
			t.Errorf("Shutdown() = %d items, nil error; want items only on a deadline", len(returned))
		}
		for _, v := range returned {
			out.add(v, "returned")
		}
		wg.Wait()
		p.Wait()

		if n := late.Load(); n > 0 {
			t.Errorf("%d submits after Shutdown returned did not return ErrClosed", n)
		}
		for _, s := range out.twice {
			t.Errorf("ended twice: %s", s)
		}
		all := slices.Concat(accepted...)
		for _, v := range all {
			if _, ok := out.where[v]; !ok {
				t.Errorf("accepted item %d is lost", v)
			}
		}
		if len(out.where) != len(all) {
			t.Errorf("%d items ended, %d accepted; want the same", len(out.where), len(all))
		}
		st := p.Stats()
		want := Stats{
			Workers: st.Workers, Capacity: st.Capacity, Rejected: st.Rejected, Accepted: uint64(len(all)),
			Handled: out.count("handled"), Failed: out.count("failed"),
			Dropped: out.count("dropped"), Returned: out.count("returned"),
		}
		if st != want {
			t.Errorf("Stats() = %+v, want %+v", st, want)
		}
	})
}

// submit submits v with one of the four ways of submitting, at random.
func submit(r *rand.Rand, p *Pool[int], v int) error {
	switch r.IntN(4) {
	case 0:
		return p.TrySubmit(v)
	case 1:
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(5))*time.Millisecond)
		defer cancel()
		return p.Submit(ctx, v)
	default:
		return p.Submit(context.Background(), v)
	}
}
