package retry

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/internal/clocktest"
	"github.com/holdfast-go/holdfast/internal/vclock"
)

var epoch = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// TestClockDelays checks that with a Clock the delays are the clock's
// timers, waited in Wait, and that no real time passes.
func TestClockDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		p, err := New(WithMaxAttempts(3), WithStrategy(Constant(50*time.Millisecond)), WithClock(c))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		done := make(chan error)
		go func() { done <- p.Do(context.Background(), func(context.Context) error { return errBoom }) }()
		for range 2 {
			synctest.Wait()
			c.Advance(50 * time.Millisecond)
		}
		err = <-done
		if !errors.Is(err, ErrAttemptsExhausted) {
			t.Errorf("Do() = %v, want ErrAttemptsExhausted", err)
		}
		if got, want := c.Delays(), []time.Duration{50 * time.Millisecond, 50 * time.Millisecond}; !slices.Equal(got, want) {
			t.Errorf("clock timers = %v, want %v", got, want)
		}
		if _, waits := c.Counts(); waits != 2 {
			t.Errorf("clock waits = %d, want 2", waits)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("real time passed = %v, want 0", d)
		}
	})
}

// TestClockDeadline checks that a Policy measures the time left before a
// deadline on its clock: a delay that would end past it is not waited.
func TestClockDeadline(t *testing.T) {
	c := clocktest.New(epoch)
	ctx, cancel := vclock.WithDeadline(context.Background(), c, epoch.Add(100*time.Millisecond))
	defer cancel()
	p, err := New(WithStrategy(Constant(200*time.Millisecond)), WithClock(c))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Do(ctx, func(context.Context) error { return errBoom })
	if !errors.Is(err, ErrOutOfTime) {
		t.Errorf("Do() = %v, want ErrOutOfTime", err)
	}
}

// TestClockAttemptTimeout checks that WithAttemptTimeout's child context
// has its deadline on the clock and ends by the clock's timer.
func TestClockAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		p, err := New(WithMaxAttempts(2), WithStrategy(Constant(time.Millisecond)), WithAttemptTimeout(30*time.Millisecond), WithClock(c))
		if err != nil {
			t.Fatal(err)
		}
		var deadlines []time.Time
		done := make(chan error)
		go func() {
			done <- p.Do(context.Background(), func(ctx context.Context) error {
				dl, _ := ctx.Deadline()
				deadlines = append(deadlines, dl)
				<-ctx.Done()
				return ctx.Err()
			})
		}()
		synctest.Wait()
		c.Advance(30 * time.Millisecond) // the first attempt times out
		synctest.Wait()
		c.Advance(time.Millisecond) // the delay
		synctest.Wait()
		c.Advance(30 * time.Millisecond) // the second attempt times out
		err = <-done
		if !errors.Is(err, ErrAttemptsExhausted) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Do() = %v, want ErrAttemptsExhausted after DeadlineExceeded", err)
		}
		want := []time.Time{epoch.Add(30 * time.Millisecond), epoch.Add(61 * time.Millisecond)}
		if !slices.Equal(deadlines, want) {
			t.Errorf("attempt deadlines = %v, want %v", deadlines, want)
		}
	})
}

// TestClockBudget checks that a Budget's window moves with its clock.
func TestClockBudget(t *testing.T) {
	c := clocktest.New(epoch)
	b, err := NewBudget(WithMinRetriesPerSec(0), WithPercentCanRetry(1), WithTTL(time.Second), WithClock(c))
	if err != nil {
		t.Fatal(err)
	}
	b.Deposit()
	if !b.TryWithdraw() || b.TryWithdraw() {
		t.Fatalf("a deposit of one retry allowed other than one withdrawal")
	}
	b.Deposit()
	c.Advance(2 * time.Second) // the deposit expires on the clock
	if b.TryWithdraw() {
		t.Errorf("TryWithdraw() = true after the window passed on the clock, want false")
	}
}

func TestWithClockNil(t *testing.T) {
	if _, err := New(WithClock(nil)); err == nil || err.Error() != "retry: WithClock: clock must not be nil" {
		t.Errorf("New(WithClock(nil)) = %v, want the option's error", err)
	}
	if _, err := NewBudget(WithClock(nil)); err == nil {
		t.Errorf("NewBudget(WithClock(nil)) = nil error, want the option's error")
	}
}

// TestClockWithObserver checks that a Policy with both a Clock and an
// Observer waits on the clock, and that the observer sees the clock's
// delays: the two hooks share one retry loop.
func TestClockWithObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		rec := &observerLog{}
		p, err := New(WithMaxAttempts(2), WithStrategy(Constant(50*time.Millisecond)), WithClock(c), WithObserver(rec))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		done := make(chan error)
		go func() { done <- p.Do(context.Background(), func(context.Context) error { return errBoom }) }()
		synctest.Wait()
		c.Advance(50 * time.Millisecond)
		if err := <-done; !errors.Is(err, ErrAttemptsExhausted) {
			t.Errorf("Do() = %v, want ErrAttemptsExhausted", err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("real time passed = %v, want 0", d)
		}
		want := []string{"attempt 1 after 0s", "done 1: boom", "attempt 2 after 50ms", "done 2: boom", "call 2: retry: attempts exhausted"}
		if !slices.Equal(rec.events, want) {
			t.Errorf("observer saw %q, want %q", rec.events, want)
		}
	})
}

// TestTransportIgnoresClock checks that a Transport reads package time
// whatever the Policy's Clock, as WithClock says: a Clock stopped two
// centuries after synctest's start must not make the request's real
// deadline look passed, nor time WithMaxElapsed, while the waits are real.
func TestTransportIgnoresClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		ft := newFaults(t, busy, busy, ok)
		p := newPolicy(t, WithMaxAttempts(3), WithStrategy(Constant(time.Second)), WithMaxElapsed(time.Minute), WithClock(c))
		rt := newRetryTransport(t, ft, p)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		start := time.Now()
		resp, err := send(t, ctx, rt, "GET", "")
		wantResponse(t, resp, err, 200, "ok")
		if got := time.Since(start); got != 2*time.Second || len(ft.Calls()) != 3 {
			t.Errorf("RoundTrip took %v and %d attempts, want 2s and 3", got, len(ft.Calls()))
		}
		if gos, waits := c.Counts(); gos != 0 || waits != 0 || len(c.Delays()) != 0 {
			t.Errorf("clock goroutines, waits, timers = %d, %d, %v, want none", gos, waits, c.Delays())
		}
	})
}
