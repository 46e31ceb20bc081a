package limit

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestBadInput(t *testing.T) {
	build := func(f func() error) func() error { return f }
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"bulkhead limit", build(func() error { _, err := NewBulkhead(0); return err }), "limit must be >= 1, got 0"},
		{"max waiting", build(func() error { _, err := NewBulkhead(1, WithMaxWaiting(-1)); return err }), "WithMaxWaiting must be >= 0, got -1"},
		{"max wait", build(func() error { _, err := NewBulkhead(1, WithMaxWait(-time.Second)); return err }), "WithMaxWait must be >= 0, got -1s"},
		{"retry after", build(func() error { _, err := NewThrottle(WithRetryAfter(-1)); return err }), "WithRetryAfter must be >= 0, got -1ns"},
		{"nil option", build(func() error { _, err := NewBulkhead(1, nil); return err }), "nil Option"},
		{"min limit", build(func() error { _, err := NewAIMD(WithLimits(0, 5)); return err }), "WithLimits: min must be >= 1, got 0"},
		{"min above max", build(func() error { _, err := NewVegas(WithLimits(9, 5)); return err }), "WithLimits: min 9 is above max 5"},
		{"initial", build(func() error { _, err := NewVegas(WithLimits(5, 9), WithInitialLimit(20)); return err }), "WithInitialLimit 20 is outside WithLimits [5, 9]"},
		{"initial zero", build(func() error { _, err := NewAIMD(WithInitialLimit(0)); return err }), "WithInitialLimit must be >= 1, got 0"},
		{"window", build(func() error { _, err := NewAIMD(WithWindow(0, 1)); return err }), "WithWindow: duration must be > 0, got 0s"},
		{"samples", build(func() error { _, err := NewAIMD(WithWindow(time.Second, 0)); return err }), "WithWindow: samples must be >= 1, got 0"},
		{"threshold", build(func() error { _, err := NewAIMD(WithLatencyThreshold(-1)); return err }), "WithLatencyThreshold must be >= 0, got -1ns"},
		{"backoff", build(func() error { _, err := NewAIMD(WithBackoff(1)); return err }), "WithBackoff must be in (0, 1), got 1"},
		{"queue", build(func() error { _, err := NewVegas(WithQueue(3, 3)); return err }), "WithQueue needs 0 <= alpha < beta, got alpha 3, beta 3"},
		{"k", build(func() error { _, err := NewThrottle(WithK(0.5)); return err }), "WithK must be >= 1, got 0.5"},
		{"throttle window", build(func() error { _, err := NewThrottle(WithThrottleWindow(0)); return err }), "WithThrottleWindow must be >= 10ns, got 0s"},
		{"overload", build(func() error { _, err := NewThrottle(WithIsOverload(nil)); return err }), "WithIsOverload: nil func"},
		{"throttle rand", build(func() error { _, err := NewThrottle(WithThrottleRand(nil)); return err }), "WithThrottleRand: source must not be nil"},
		{"status", build(func() error { _, err := Shed(&Bulkhead{}, WithStatus(200)); return err }), "WithStatus must be a 4xx or 5xx code, got 200"},
		{"priority", build(func() error { _, err := Shed(&Bulkhead{}, WithPriority(nil)); return err }), "WithPriority: nil func"},
		{"keyed limit", build(func() error { _, err := NewKeyedBulkhead[string](0, 0); return err }), "NewKeyedBulkhead: limit must be >= 1, got 0"},
		{"keyed max keys", build(func() error { _, err := NewKeyedBulkhead[string](1, -1); return err }), "NewKeyedBulkhead: maxKeys must be >= 0, got -1"},
		{"on limit change", build(func() error { _, err := NewVegas(WithOnLimitChange(nil)); return err }), "WithOnLimitChange: nil func"},
		{"shed nil limiter", build(func() error { _, err := Shed(nil); return err }), "Shed: nil Limiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "limit: ") {
				t.Fatalf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
			}
		})
	}
}

// TestNilArguments: a nil ctx or fn is an error, for every limiter.
func TestNilArguments(t *testing.T) {
	b := newBulkhead(t, 1)
	a, _ := NewVegas()
	th, _ := NewThrottle()
	type limiter interface {
		Limiter
		Do(context.Context, func(context.Context) error) error
	}
	for _, l := range []limiter{b, a, th} {
		//lint:ignore SA1012 a nil ctx is what is tested
		if _, err := l.Acquire(nil); err != errNilContext {
			t.Errorf("Acquire(nil) = %v, want %v", err, errNilContext)
		}
		//lint:ignore SA1012 a nil ctx is what is tested
		if err := l.Do(nil, func(context.Context) error { return nil }); err != errNilContext {
			t.Errorf("Do(nil, fn) = %v, want %v", err, errNilContext)
		}
		if err := l.Do(context.Background(), nil); err != errNilFunc {
			t.Errorf("Do(ctx, nil) = %v, want %v", err, errNilFunc)
		}
	}
}

func TestAdaptiveDefaults(t *testing.T) {
	a, err := NewVegas(WithLimits(50, 100))
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Limit(); got != 50 {
		t.Fatalf("Limit() with WithLimits(50, 100) = %d, want 50 (the default moved into the bounds)", got)
	}
}
