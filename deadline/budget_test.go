package deadline

import (
	"context"
	"errors"
	"math"
	"testing"
	"testing/synctest"
	"time"
)

// timeoutContext returns a context that expires after d, cancelled when
// the test ends, or context.Background() when d is 0.
func timeoutContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	if d == 0 {
		return context.Background()
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestRemaining(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		if d, ok := Remaining(context.Background()); d != 0 || ok {
			t.Errorf("Remaining(Background) = %v, %v, want 0, false", d, ok)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		time.Sleep(300 * time.Millisecond)
		if d, ok := Remaining(ctx); d != 700*time.Millisecond || !ok {
			t.Errorf("Remaining after 300ms of 1s = %v, %v, want 700ms, true", d, ok)
		}
		time.Sleep(2 * time.Second)
		if d, ok := Remaining(ctx); d != 0 || !ok {
			t.Errorf("Remaining after the deadline = %v, %v, want 0, true", d, ok)
		}
	})
}

func TestRemainingAt(t *testing.T) {
	dl := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithDeadline(context.Background(), dl)
	defer cancel()
	tests := []struct {
		now  time.Time
		want time.Duration
	}{
		{dl.Add(-time.Second), time.Second},
		{dl, 0},
		{dl.Add(time.Hour), 0},
	}
	for _, tt := range tests {
		if got, ok := RemainingAt(ctx, tt.now); got != tt.want || !ok {
			t.Errorf("RemainingAt(ctx, %v) = %v, %v, want %v, true", tt.now, got, ok, tt.want)
		}
	}
}

func TestRequire(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // 0: no deadline
		elapsed time.Duration
		min     time.Duration
		wantErr bool
	}{
		{"no deadline", 0, 0, time.Hour, false},
		{"enough", time.Second, 0, 500 * time.Millisecond, false},
		{"exactly enough", time.Second, 500 * time.Millisecond, 500 * time.Millisecond, false},
		{"too little", time.Second, 600 * time.Millisecond, 500 * time.Millisecond, true},
		{"zero min with time left", time.Second, 999 * time.Millisecond, 0, false},
		{"zero min after deadline", time.Second, time.Second, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := timeoutContext(t, tt.timeout)
				time.Sleep(tt.elapsed)
				err := Require(ctx, tt.min)
				if (err != nil) != tt.wantErr {
					t.Fatalf("Require(ctx, %v) = %v, want error: %v", tt.min, err, tt.wantErr)
				}
				if err == nil {
					return
				}
				var ib *InsufficientBudgetError
				if !errors.Is(err, ErrInsufficientBudget) || !errors.As(err, &ib) {
					t.Fatalf("Require(ctx, %v) = %v, want an *InsufficientBudgetError", tt.min, err)
				}
				if want := max(tt.timeout-tt.elapsed, 0); ib.Remaining != want || ib.Required != tt.min {
					t.Errorf("Require(ctx, %v) = %+v, want Remaining %v, Required %v", tt.min, ib, want, tt.min)
				}
			})
		})
	}
}

func TestRequireCancelled(t *testing.T) {
	cause := errors.New("caller went away")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	if err := Require(ctx, 0); err != cause {
		t.Errorf("Require(cancelled ctx, 0) = %v, want %v", err, cause)
	}
}

func TestRequireNegative(t *testing.T) {
	err := Require(context.Background(), -time.Second)
	if err == nil || errors.Is(err, ErrInsufficientBudget) {
		t.Errorf("Require(ctx, -1s) = %v, want an argument error", err)
	}
}

func TestInsufficientBudgetErrorString(t *testing.T) {
	err := &InsufficientBudgetError{Remaining: 40 * time.Millisecond, Required: 50 * time.Millisecond}
	want := "deadline: insufficient budget: 40ms remaining, 50ms required"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestReserve(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		ctx, cancelChild, err := Reserve(parent, 300*time.Millisecond)
		if err != nil {
			t.Fatalf("Reserve(1s, 300ms) error %v", err)
		}
		defer cancelChild()
		if d, _ := Remaining(ctx); d != 700*time.Millisecond {
			t.Errorf("Remaining(Reserve(1s, 300ms)) = %v, want 700ms", d)
		}
		start := time.Now()
		<-ctx.Done()
		if got := time.Since(start); got != 700*time.Millisecond {
			t.Errorf("Reserve(1s, 300ms) expired after %v, want 700ms", got)
		}
		if parent.Err() != nil {
			t.Errorf("parent.Err() = %v when the reservation expired, want nil: the headroom is left", parent.Err())
		}
		if !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			t.Errorf("Cause(Reserve ctx) = %v, want DeadlineExceeded", context.Cause(ctx))
		}
	})
}

func TestReserveNoDeadline(t *testing.T) {
	ctx, cancel, err := Reserve(context.Background(), time.Second)
	if err != nil {
		t.Fatalf("Reserve(no deadline) error %v", err)
	}
	if _, ok := ctx.Deadline(); ok {
		t.Error("Reserve(no deadline) has a deadline, want none")
	}
	cancel()
	if ctx.Err() != context.Canceled {
		t.Errorf("after cancel, Err() = %v, want Canceled", ctx.Err())
	}
}

func TestReserveInsufficient(t *testing.T) {
	tests := []struct {
		name     string
		headroom time.Duration
		elapsed  time.Duration
	}{
		{"headroom beyond the budget", 2 * time.Second, 0},
		{"headroom equal to the budget", time.Second, 0},
		{"deadline passed", 0, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				parent, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				time.Sleep(tt.elapsed)
				ctx, cancelChild, err := Reserve(parent, tt.headroom)
				defer cancelChild()
				var ib *InsufficientBudgetError
				if !errors.As(err, &ib) || !errors.Is(err, ErrInsufficientBudget) {
					t.Fatalf("Reserve(ctx, %v) error = %v, want an *InsufficientBudgetError", tt.headroom, err)
				}
				if want := max(time.Second-tt.elapsed, 0); ib.Remaining != want || ib.Required != tt.headroom {
					t.Errorf("Reserve(ctx, %v) error = %+v, want Remaining %v, Required %v", tt.headroom, ib, want, tt.headroom)
				}
				wantCause := error(err)
				if parent.Err() != nil {
					wantCause = context.Cause(parent)
				}
				if ctx.Err() == nil || context.Cause(ctx) != wantCause {
					t.Errorf("Reserve(ctx, %v) ctx: Err %v, Cause %v, want done with cause %v", tt.headroom, ctx.Err(), context.Cause(ctx), err)
				}
			})
		})
	}
}

func TestReserveNegative(t *testing.T) {
	ctx, cancel, err := Reserve(context.Background(), -time.Second)
	defer cancel()
	if err == nil || errors.Is(err, ErrInsufficientBudget) || ctx.Err() == nil {
		t.Errorf("Reserve(ctx, -1s) = ctx done: %v, %v, want a done ctx and an argument error", ctx.Err() != nil, err)
	}
}

func TestFraction(t *testing.T) {
	tests := []struct {
		f    float64
		want time.Duration
	}{
		{0.4, 400 * time.Millisecond},
		{1, time.Second},
		{0.5, 500 * time.Millisecond},
		{1e-12, 0}, // rounds down to nothing: already expired
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			parent, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			time.Sleep(time.Second)
			ctx, cancelChild, err := Fraction(parent, tt.f)
			if err != nil {
				t.Fatalf("Fraction(ctx, %v) error %v", tt.f, err)
			}
			defer cancelChild()
			start := time.Now()
			<-ctx.Done()
			if got := time.Since(start); got != tt.want {
				t.Errorf("Fraction(1s left, %v) expired after %v, want %v", tt.f, got, tt.want)
			}
		})
	}
}

func TestFractionInvalid(t *testing.T) {
	for _, f := range []float64{0, -0.5, 1.5, math.NaN(), math.Inf(1)} {
		ctx, cancel, err := Fraction(context.Background(), f)
		if err == nil || ctx.Err() == nil || context.Cause(ctx) != err {
			t.Errorf("Fraction(ctx, %v) = done: %v, %v, want a ctx cancelled with the error", f, ctx.Err() != nil, err)
		}
		cancel()
	}
}

func TestFractionNoDeadline(t *testing.T) {
	ctx, cancel, err := Fraction(context.Background(), 0.5)
	defer cancel()
	if _, ok := ctx.Deadline(); ok || err != nil {
		t.Errorf("Fraction(no deadline, 0.5) has deadline %v, error %v, want none, nil", ok, err)
	}
}

func TestFractionExpired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancel := WithTimeout(context.Background(), "request", time.Second)
		defer cancel()
		time.Sleep(2 * time.Second)
		ctx, cancelChild, err := Fraction(parent, 0.5)
		defer cancelChild()
		if err != nil || ctx.Err() == nil {
			t.Fatalf("Fraction(expired, 0.5) = done: %v, %v, want done, nil", ctx.Err() != nil, err)
		}
		if layer, _ := Layer(context.Cause(ctx)); layer != "request" {
			t.Errorf("Layer(Cause(Fraction(expired))) = %q, want the parent's %q", layer, "request")
		}
	})
}

func TestSplit(t *testing.T) {
	tests := []struct {
		rem  time.Duration
		f    float64
		want time.Duration
	}{
		{time.Second, 0.4, 400 * time.Millisecond},
		{3, 0.5, 1},
		{0, 0.5, 0},
		{-time.Second, 0.5, 0},
		{math.MaxInt64, 1, math.MaxInt64},
		{math.MaxInt64, 0.5, math.MaxInt64/2 + 1}, // float64 precision
	}
	for _, tt := range tests {
		if got := split(tt.rem, tt.f); got != tt.want {
			t.Errorf("split(%v, %v) = %v, want %v", tt.rem, tt.f, got, tt.want)
		}
	}
}

func TestTighten(t *testing.T) {
	tests := []struct {
		name    string
		parent  time.Duration // 0: no deadline
		d       time.Duration
		applied bool
		want    time.Duration
	}{
		{"no deadline", 0, time.Second, true, time.Second},
		{"tighter", 2 * time.Second, time.Second, true, time.Second},
		{"looser", time.Second, 2 * time.Second, false, time.Second},
		{"equal", time.Second, time.Second, false, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				parent := timeoutContext(t, tt.parent)
				ctx, cancel := Tighten(parent, tt.d)
				defer cancel()
				if applied := ctx != parent; applied != tt.applied {
					t.Errorf("Tighten(%v, %v) applied = %v, want %v", tt.parent, tt.d, applied, tt.applied)
				}
				if got, _ := Remaining(ctx); got != tt.want {
					t.Errorf("Remaining(Tighten(%v, %v)) = %v, want %v", tt.parent, tt.d, got, tt.want)
				}
			})
		})
	}
}

func TestTightenNoAlloc(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	allocs := testing.AllocsPerRun(100, func() {
		ctx, cancel := Tighten(parent, time.Hour)
		cancel()
		_ = ctx
	})
	if allocs != 0 {
		t.Errorf("Tighten(looser) allocs = %v, want 0", allocs)
	}
}

// wantPanic fails the test unless f panics with the value want.
func wantPanic(t *testing.T, name string, want any, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != want {
			t.Errorf("%s panicked with %v, want %v", name, r, want)
		}
	}()
	f()
}

// TestNilContext checks the nil-context policy of CONTRIBUTING.md: the
// calls that return an error return one naming the nil Context; the others
// panic with that message, as the context package does.
func TestNilContext(t *testing.T) {
	var nilCtx context.Context
	const msg = "deadline: nil Context"
	if err := Require(nilCtx, time.Second); err == nil || err.Error() != msg {
		t.Errorf("Require(nil, 1s) = %v, want %q", err, msg)
	}
	derive := map[string]func() (context.Context, context.CancelFunc, error){
		"Reserve":  func() (context.Context, context.CancelFunc, error) { return Reserve(nilCtx, time.Millisecond) },
		"Fraction": func() (context.Context, context.CancelFunc, error) { return Fraction(nilCtx, 0.5) },
	}
	for name, f := range derive {
		ctx, cancel, err := f()
		if err == nil || err.Error() != msg {
			t.Errorf("%s(nil) error = %v, want %q", name, err, msg)
		}
		if ctx == nil || cancel == nil || ctx.Err() == nil || context.Cause(ctx) != err {
			t.Errorf("%s(nil) = %v, %v, want a context cancelled with the error and a cancel func", name, ctx, cancel)
			continue
		}
		cancel()
	}
	wantPanic(t, "Remaining(nil)", msg, func() { Remaining(nilCtx) })
	wantPanic(t, "RemainingAt(nil)", msg, func() { RemainingAt(nilCtx, time.Now()) })
	wantPanic(t, "Tighten(nil)", msg, func() { Tighten(nilCtx, time.Second) })
	wantPanic(t, "WithTimeout(nil)", msg, func() { WithTimeout(nilCtx, "db", time.Second) })
}
