package fanout

import (
	"context"
	"errors"
	"slices"
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
