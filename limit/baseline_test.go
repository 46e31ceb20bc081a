package limit

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestVegasRecoversFromFastCall: one call released at once (a cached
// answer, a quick validation error) before the modelled dependency's load
// must not hold the limit down for good: the baseline it sets ages out and
// the limit comes back to where it goes without that call.
func TestVegasRecoversFromFastCall(t *testing.T) {
	tests := []struct {
		name string
		fast bool
	}{
		{"no fast call", false},
		{"one 0ns call first", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, err := NewVegas(WithMaxWaiting(1000))
				if err != nil {
					t.Fatal(err)
				}
				if tt.fast {
					p, err := a.TryAcquire()
					if err != nil {
						t.Fatal(err)
					}
					p.Release(nil) // 0ns: no time passes in the bubble
				}
				d := newDependency(10*time.Millisecond, 50)
				ctx, stop := context.WithCancel(t.Context())
				wait := load(ctx, a, d, 40)
				limits := trace(a, 120*time.Second)
				stop()
				wait()
				at := settled(limits, 76, 96)
				t.Logf("limit at 19s %d, at 60s %d, at 120s %d; in [76,96] from %v", limits[189], limits[599], limits[1199], at)
				if at < 0 || at > 90*time.Second {
					t.Fatalf("limit in [76,96] from %v, want within 90s; trace %v", at, limits)
				}
			})
		})
	}
}

// TestBaselineAges: the baseline falls at once with a faster window and
// rises only when the faster window has left the current and the previous
// epoch.
func TestBaselineAges(t *testing.T) {
	var b baseline
	b.reset()
	if got := b.add(0); got != 1 {
		t.Fatalf("add(0) = %d, want 1 (at least 1ns)", got)
	}
	for i := 1; i < 2*baselineEpoch; i++ {
		if got := b.add(100); got != 1 {
			t.Fatalf("add(100) at window %d = %d, want 1 (the fast window is still recent)", i, got)
		}
	}
	if got := b.add(100); got != 100 {
		t.Fatalf("add(100) after two epochs = %d, want 100", got)
	}
	if got := b.add(40); got != 40 {
		t.Fatalf("add(40) = %d, want 40 (a faster window counts at once)", got)
	}
}
