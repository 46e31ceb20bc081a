//go:build !race

package breaker

import (
	"context"
	"testing"
)

// TestNoAllocs checks the paths that must not allocate. (The race detector
// changes allocation counts, hence the build tag.)
func TestNoAllocs(t *testing.T) {
	ctx := context.Background()
	for _, bc := range benchConfigs {
		b := mustNew(t, bc.opts...)
		if n := testing.AllocsPerRun(100, func() { _ = b.Do(ctx, succeed) }); n != 0 {
			t.Errorf("%s: Do (closed, success) allocates %v times, want 0", bc.name, n)
		}
		allow := func() {
			done, _ := b.Allow()
			done(nil)
		}
		if n := testing.AllocsPerRun(100, allow); n != 0 {
			t.Errorf("%s: Allow (closed, success) allocates %v times, want 0", bc.name, n)
		}
	}
	b := mustNew(t, WithFailureRate(1), WithCountWindow(10))
	half := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(0))
	_ = half.Do(ctx, fail)
	if _, err := half.Allow(); err != nil { // the probe, left in flight
		t.Fatal(err)
	}
	forced := mustNew(t)
	forced.ForceOpen()
	tests := []struct {
		name string
		f    func()
	}{
		{"Do (closed, failure then success)", func() {
			_ = b.Do(ctx, fail) // 1 failure in 2 calls: below the rate
			_ = b.Do(ctx, succeed)
		}},
		{"Do (closed, ignored)", func() { _ = b.Do(ctx, func(context.Context) error { return context.Canceled }) }},
		{"Execute", func() { _, _ = Execute(ctx, b, func(context.Context) (int, error) { return 1, nil }) }},
		{"Allow", func() {
			done, _ := b.Allow()
			done(nil)
		}},
		{"half-open rejection", func() { _ = half.Do(ctx, succeed) }},
		{"forced-open rejection", func() { _ = forced.Do(ctx, succeed) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s allocates %v times, want 0", tt.name, n)
		}
	}
}
