package fanout

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/internal/clocktest"
)

var epoch = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// TestHedgeClock checks that with a Clock, the backup call starts when the
// clock reaches the delay, attempts start through Go, the race waits in
// Wait, the loser is cancelled, and no real time passes.
func TestHedgeClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		start := time.Now()
		calls := 0
		done := make(chan error)
		var v string
		go func() {
			var err error
			v, err = Hedge(context.Background(), func(ctx context.Context) (string, error) {
				calls++
				if calls == 1 {
					<-ctx.Done() // the slow first call, cancelled by the win
					return "", ctx.Err()
				}
				return "backup", nil
			}, 20*time.Millisecond, WithClock(c))
			done <- err
		}()
		synctest.Wait()
		if calls != 1 {
			t.Fatalf("calls before the delay on the clock = %d, want 1", calls)
		}
		c.Advance(20 * time.Millisecond)
		if err := <-done; err != nil || v != "backup" {
			t.Errorf("Hedge() = %q, %v, want backup, nil", v, err)
		}
		gos, waits := c.Counts()
		if gos != 2 || waits == 0 {
			t.Errorf("clock Go = %d, Wait = %d, want 2 and > 0", gos, waits)
		}
		if !slices.Equal(c.Delays(), []time.Duration{20 * time.Millisecond, 20 * time.Millisecond}) {
			t.Errorf("clock timers = %v, want the delay twice", c.Delays())
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("real time passed = %v, want 0", d)
		}
	})
}

// TestHedgeClockFailures checks that a failure starts the next call at
// once and that all failures are joined, on a clock.
func TestHedgeClockFailures(t *testing.T) {
	c := clocktest.New(epoch)
	e1, e2 := errors.New("one"), errors.New("two")
	n := 0
	_, err := Hedge(context.Background(), func(context.Context) (int, error) {
		n++
		if n == 1 {
			return 0, e1
		}
		return 0, e2
	}, time.Hour, WithClock(c))
	if !errors.Is(err, e1) || !errors.Is(err, e2) || n != 2 {
		t.Errorf("Hedge() = %v after %d calls, want both errors after 2", err, n)
	}
}

// TestHedgeClockTimeout checks that WithTaskTimeout's deadline is on the
// clock.
func TestHedgeClockTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		done := make(chan error)
		var dl time.Time
		go func() {
			_, err := Hedge(context.Background(), func(ctx context.Context) (int, error) {
				dl, _ = ctx.Deadline()
				<-ctx.Done()
				return 0, ctx.Err()
			}, time.Hour, WithMaxAttempts(1), WithTaskTimeout(50*time.Millisecond), WithClock(c))
			done <- err
		}()
		synctest.Wait()
		c.Advance(50 * time.Millisecond)
		if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Hedge() = %v, want DeadlineExceeded", err)
		}
		if want := epoch.Add(50 * time.Millisecond); !dl.Equal(want) {
			t.Errorf("attempt deadline = %v, want %v", dl, want)
		}
	})
}

// TestHedgeClockPanic checks that a panic in an attempt on a clock is
// returned as a PanicError.
func TestHedgeClockPanic(t *testing.T) {
	c := clocktest.New(epoch)
	_, err := Hedge(context.Background(), func(context.Context) (int, error) { panic("oops") }, time.Hour, WithClock(c))
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "oops" {
		t.Errorf("Hedge() = %v, want a PanicError of oops", err)
	}
}

func TestWithClockNil(t *testing.T) {
	if _, err := Hedge(context.Background(), func(context.Context) (int, error) { return 0, nil }, 0, WithClock(nil)); err == nil {
		t.Errorf("Hedge(WithClock(nil)) = nil error, want the option's error")
	}
}

// clockCall runs one call of fanout on clock c over n items whose fn is
// task, with a limit of n and WithTaskTimeout(timeout), and returns every
// item's error.
type clockCall struct {
	name  string
	gos   int // goroutines the call starts through Go
	waits bool
	run   func(c Clock, n int, timeout time.Duration, task func(context.Context) error) []error
}

var clockCalls = []clockCall{
	{name: "Map", gos: 3, run: func(c Clock, n int, d time.Duration, task func(context.Context) error) []error {
		_, err := Map(context.Background(), make([]int, n), func(ctx context.Context, _ int) (int, error) {
			return 0, task(ctx)
		}, WithLimit(n), WithTaskTimeout(d), WithClock(c), WithCollectAll())
		return unjoin(err)
	}},
	{name: "ForEach", gos: 3, run: func(c Clock, n int, d time.Duration, task func(context.Context) error) []error {
		err := ForEach(context.Background(), make([]int, n), func(ctx context.Context, _ int) error {
			return task(ctx)
		}, WithLimit(n), WithTaskTimeout(d), WithClock(c), WithCollectAll())
		return unjoin(err)
	}},
	{name: "MapAll", gos: 3, run: func(c Clock, n int, d time.Duration, task func(context.Context) error) []error {
		res, _ := MapAll(context.Background(), make([]int, n), func(ctx context.Context, _ int) (int, error) {
			return 0, task(ctx)
		}, WithLimit(n), WithTaskTimeout(d), WithClock(c))
		var errs []error
		for _, r := range res {
			errs = append(errs, r.Err)
		}
		return errs
	}},
	{name: "Group", gos: 4, waits: true, run: func(c Clock, n int, d time.Duration, task func(context.Context) error) []error {
		g, _, err := New(context.Background(), WithLimit(n), WithTaskTimeout(d), WithClock(c), WithCollectAll())
		if err != nil {
			return []error{err}
		}
		for range n {
			g.Go(task)
		}
		return unjoin(g.Wait())
	}},
	{name: "Stream", gos: 4, waits: true, run: func(c Clock, n int, d time.Duration, task func(context.Context) error) []error {
		var errs []error
		for _, err := range Stream(context.Background(), slices.Values(make([]int, n)), func(ctx context.Context, _ int) (int, error) {
			return 0, task(ctx)
		}, WithLimit(n), WithTaskTimeout(d), WithClock(c)) {
			errs = append(errs, err)
		}
		return errs
	}},
}

// unjoin returns the errors that errors.Join joined into err.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestTaskTimeoutOnClock checks, for every call, that WithTaskTimeout's
// deadline is a timer of the Clock: four tasks blocked on ctx with an hour's
// timeout run until the clock (not real time) reaches the hour, then all end
// with DeadlineExceeded, in well under a second of wall time, with no
// synctest bubble to fake it. It also checks that the goroutines were
// started with Clock.Go.
func TestTaskTimeoutOnClock(t *testing.T) {
	const n = 4
	for _, call := range clockCalls {
		t.Run(call.name, func(t *testing.T) {
			start := time.Now()
			c := clocktest.New(epoch)
			entered := make(chan time.Time, n)
			var ended atomic.Int64
			task := func(ctx context.Context) error {
				dl, _ := ctx.Deadline()
				entered <- dl
				<-ctx.Done()
				ended.Add(1)
				return ctx.Err()
			}
			result := make(chan []error, 1)
			go func() { result <- call.run(c, n, time.Hour, task) }()
			for range n {
				if dl := <-entered; !dl.Equal(epoch.Add(time.Hour)) {
					t.Fatalf("task deadline = %v, want %v (on the clock)", dl, epoch.Add(time.Hour))
				}
			}
			if p := c.Pending(); p != n {
				t.Errorf("timers on the clock = %d, want %d", p, n)
			}
			c.Advance(time.Hour - time.Nanosecond)
			if e := ended.Load(); e != 0 {
				t.Errorf("tasks ended before the clock reached the timeout = %d, want 0", e)
			}
			c.Advance(time.Nanosecond)
			errs := <-result
			if len(errs) != n {
				t.Fatalf("%s returned %d errors (%v), want %d", call.name, len(errs), errs, n)
			}
			for _, err := range errs {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("task error = %v, want DeadlineExceeded", err)
				}
			}
			gos, waits := c.Counts()
			if gos != call.gos {
				t.Errorf("goroutines started with Clock.Go = %d, want %d", gos, call.gos)
			}
			if call.waits && waits == 0 {
				t.Errorf("Clock.Wait calls = 0, want the caller to wait in Wait")
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("wall time = %v for an hour of clock time, want milliseconds", took)
			}
		})
	}
}

// TestGroupLimitOnClock checks that on a Clock a Group's limit holds: TryGo
// refuses a task while the limit's worth run, and Go waits for room in
// Clock.Wait.
func TestGroupLimitOnClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		g, _, err := New(context.Background(), WithLimit(1), WithClock(c))
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		var second atomic.Bool
		g.Go(func(context.Context) error { <-release; return nil })
		if g.TryGo(func(context.Context) error { return nil }) {
			t.Errorf("TryGo with the limit reached = true, want false")
		}
		went := make(chan struct{})
		go func() {
			g.Go(func(context.Context) error { second.Store(true); return nil })
			close(went)
		}()
		synctest.Wait()
		if _, waits := c.Counts(); second.Load() || waits == 0 {
			t.Errorf("second Go with the limit reached: ran %v, Clock.Wait calls %d, want false and > 0", second.Load(), waits)
		}
		close(release)
		<-went
		if err := g.Wait(); err != nil || !second.Load() {
			t.Errorf("Wait() = %v, second task ran %v, want nil, true", err, second.Load())
		}
		if gos, _ := c.Counts(); gos != 2 {
			t.Errorf("goroutines started with Clock.Go = %d, want 2", gos)
		}
	})
}

// TestMapParentCancelOnClock checks that on a Clock, where no
// context.AfterFunc watches the parent, the workers still start no item
// once the parent is done.
func TestMapParentCancelOnClock(t *testing.T) {
	for _, limit := range []int{1, 4} {
		c := clocktest.New(epoch)
		ctx, cancel := context.WithCancel(context.Background())
		var calls atomic.Int64
		_, err := Map(ctx, make([]int, 100), func(context.Context, int) (int, error) {
			if calls.Add(1) == 3 {
				cancel()
			}
			return 0, nil
		}, WithLimit(limit), WithClock(c))
		if !errors.Is(err, context.Canceled) || calls.Load() > int64(2+limit) {
			t.Errorf("Map(limit %d, parent cancelled at call 3) = %v after %d calls, want Canceled after at most %d", limit, err, calls.Load(), 2+limit)
		}
	}
}

// TestPanicOnClock checks that a panic in a task on a Clock is returned as
// a PanicError by every call, once the other tasks have returned.
func TestPanicOnClock(t *testing.T) {
	for _, call := range clockCalls {
		c := clocktest.New(epoch)
		var n atomic.Int64
		errs := call.run(c, 4, time.Hour, func(ctx context.Context) error {
			if n.Add(1) == 2 {
				panic("clock bug")
			}
			<-ctx.Done()
			return ctx.Err()
		})
		var pe *PanicError
		if !slices.ContainsFunc(errs, func(err error) bool { return errors.As(err, &pe) && pe.Value == "clock bug" }) {
			t.Errorf("%s on a Clock with a panicking task = %v, want a PanicError of clock bug", call.name, errs)
		}
	}
}

// TestStreamBreakOnClock checks that breaking out of a Stream on a Clock
// cancels the calls in flight and returns once its goroutines have.
func TestStreamBreakOnClock(t *testing.T) {
	c := clocktest.New(epoch)
	var cancelled atomic.Int64
	started := make(chan struct{}, 3)
	got := 0
	for v, err := range Stream(context.Background(), slices.Values([]int{0, 1, 2, 3}), func(ctx context.Context, x int) (int, error) {
		if x == 0 {
			for range 3 {
				<-started // the others are in flight
			}
			return x, nil
		}
		started <- struct{}{}
		<-ctx.Done()
		cancelled.Add(1)
		return 0, ctx.Err()
	}, WithLimit(4), WithClock(c)) {
		if v != 0 || err != nil {
			t.Errorf("first result = %d, %v, want 0, nil", v, err)
		}
		got++
		break
	}
	if got != 1 || cancelled.Load() != 3 {
		t.Errorf("after break: %d results, %d calls cancelled, want 1 and 3", got, cancelled.Load())
	}
}

// TestHedgeObserverOnClock checks that the HedgeObserver sees the same
// calls on a Clock as on package time (TestHedgeObserver).
func TestHedgeObserverOnClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		log := &hedgeLog{}
		ctx := context.WithValue(context.Background(), hedgeKey{}, "caller")
		var calls atomic.Int32
		type result struct {
			v   int
			err error
		}
		done := make(chan result)
		go func() {
			v, err := Hedge(ctx, func(ctx context.Context) (int, error) {
				switch n := calls.Add(1); n {
				case 1: // slow: the delay starts call 2
					<-ctx.Done()
					return 0, ctx.Err()
				case 2: // fails: call 3 starts at once
					return 0, errors.New("boom")
				default:
					return int(n), nil
				}
			}, time.Second, WithHedgeObserver(log), WithMaxAttempts(3), WithClock(c))
			done <- result{v, err}
		}()
		synctest.Wait()
		c.Advance(time.Second)
		if r := <-done; r.err != nil || r.v != 3 {
			t.Fatalf("Hedge = %d, %v, want 3, nil", r.v, r.err)
		}
		want := "call 2 failed=false ctx=caller; call 3 failed=true ctx=caller"
		if got := strings.Join(log.events, "; "); got != want {
			t.Errorf("observed %q, want %q", got, want)
		}
	})
}
