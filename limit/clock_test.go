package limit

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/internal/clocktest"
)

var epoch = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// TestBulkheadClock checks that with a Clock a call waits in Wait, its
// wait time is measured on the clock, and the max wait is a timer of the
// clock; no real time passes.
func TestBulkheadClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		b := newBulkhead(t, 1, WithMaxWaiting(2), WithMaxWait(100*time.Millisecond), WithClock(c))
		start := time.Now()
		p, err := b.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		granted, expired := make(chan error), make(chan error)
		go func() {
			q, err := b.Acquire(context.Background())
			q.Release(nil)
			granted <- err
		}()
		synctest.Wait()
		c.Advance(30 * time.Millisecond)
		p.Release(nil) // the waiter gets the place after 30ms on the clock
		if err := <-granted; err != nil {
			t.Fatalf("waiting Acquire() = %v, want nil", err)
		}
		if got := b.Stats().WaitTime; got != 30*time.Millisecond {
			t.Errorf("Stats().WaitTime = %v, want 30ms on the clock", got)
		}

		p, _ = b.Acquire(context.Background())
		go func() {
			_, err := b.Acquire(context.Background())
			expired <- err
		}()
		synctest.Wait()
		c.Advance(100 * time.Millisecond)
		if err := <-expired; !errors.Is(err, ErrLimited) {
			t.Errorf("Acquire() past the max wait on the clock = %v, want ErrLimited", err)
		}
		p.Release(nil)
		if _, waits := c.Counts(); waits != 2 {
			t.Errorf("clock waits = %d, want 2", waits)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("real time passed = %v, want 0", d)
		}
	})
}

// TestBulkheadClockCancel checks that a wait on a clock ends with its ctx.
func TestBulkheadClockCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		b := newBulkhead(t, 1, WithMaxWaiting(1), WithClock(c))
		p, _ := b.Acquire(context.Background())
		defer p.Release(nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := b.Acquire(ctx)
			done <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Acquire() = %v, want context.Canceled", err)
		}
	})
}

// TestAdaptiveClock checks that an adaptive limiter measures latency on the
// clock: AIMD with a 50ms threshold sees calls of 100ms on the clock as
// overloads and lowers its limit.
func TestAdaptiveClock(t *testing.T) {
	c := clocktest.New(epoch)
	a, err := NewAIMD(WithInitialLimit(20), WithLatencyThreshold(50*time.Millisecond), WithWindow(time.Second, 1), WithClock(c))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		p, err := a.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(100 * time.Millisecond)
		p.Release(nil)
	}
	if got := a.Stats().Limit; got >= 20 {
		t.Errorf("Stats().Limit after calls of 100ms on the clock = %d, want < 20", got)
	}
}

func TestWithClockNil(t *testing.T) {
	if _, err := NewBulkhead(1, WithClock(nil)); err == nil {
		t.Errorf("NewBulkhead(WithClock(nil)) = nil error, want one")
	}
}
