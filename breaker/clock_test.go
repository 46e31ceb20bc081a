package breaker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/clocktest"
)

// TestClock checks that the open duration is measured on the Clock: the
// breaker stays open however long real time passes, and lets a probe
// through once the clock has moved on by the open duration.
func TestClock(t *testing.T) {
	c := clocktest.New(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC))
	b, err := New(WithConsecutiveFailures(2), WithOpenDuration(10*time.Second), WithClock(c))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		_ = b.Do(ctx, fail)
	}
	var oe *OpenError
	if err := b.Do(ctx, fail); !errors.As(err, &oe) || oe.Wait != 10*time.Second {
		t.Fatalf("Do() after 2 failures = %v, want an OpenError waiting 10s on the clock", err)
	}
	c.Advance(9 * time.Second)
	if got := b.State(); got != StateOpen {
		t.Errorf("State() 9s later on the clock = %v, want %v", got, StateOpen)
	}
	c.Advance(time.Second)
	if got := b.State(); got != StateHalfOpen {
		t.Errorf("State() 10s later on the clock = %v, want %v", got, StateHalfOpen)
	}
	if err := b.Do(ctx, func(context.Context) error { return nil }); err != nil {
		t.Errorf("probe Do() = %v, want nil", err)
	}
	if got := b.State(); got != StateClosed {
		t.Errorf("State() after a good probe = %v, want %v", got, StateClosed)
	}
}

// TestClockSlowCall checks that a call's duration is read from the Clock.
func TestClockSlowCall(t *testing.T) {
	c := clocktest.New(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC))
	b, err := New(WithSlowCall(time.Second, 0.5), WithCountWindow(2), WithMinimumCalls(2), WithClock(c))
	if err != nil {
		t.Fatal(err)
	}
	slow := func(context.Context) error { c.Advance(2 * time.Second); return nil }
	for range 2 {
		_ = b.Do(context.Background(), slow)
	}
	if got := b.State(); got != StateOpen {
		t.Errorf("State() after two calls of 2s on the clock = %v, want %v", got, StateOpen)
	}
}

func TestWithClockNil(t *testing.T) {
	if _, err := New(WithClock(nil)); err == nil || err.Error() != "breaker: WithClock: clock must not be nil" {
		t.Errorf("New(WithClock(nil)) = %v, want the option's error", err)
	}
}
