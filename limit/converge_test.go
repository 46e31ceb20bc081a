package limit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// dependency models a service whose latency is base up to knee calls in
// flight, then grows in proportion to the excess: base × n / knee.
type dependency struct {
	base     atomic.Int64 // ns
	knee     atomic.Int64
	inflight atomic.Int64
}

func newDependency(base time.Duration, knee int64) *dependency {
	d := &dependency{}
	d.base.Store(int64(base))
	d.knee.Store(knee)
	return d
}

func (d *dependency) call() {
	n := d.inflight.Add(1)
	base := d.base.Load()
	lat := time.Duration(base)
	if k := d.knee.Load(); n > k {
		lat = time.Duration(base * n / k)
	}
	time.Sleep(lat)
	d.inflight.Add(-1)
}

// load runs callers goroutines, each calling d through l in a loop, until
// ctx ends; wait joins them.
func load(ctx context.Context, l Limiter, d *dependency, callers int) (wait func()) {
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for ctx.Err() == nil {
				p, err := l.Acquire(ctx)
				if err != nil {
					if ctx.Err() == nil {
						time.Sleep(time.Millisecond)
					}
					continue
				}
				d.call()
				p.Release(nil)
			}
		})
	}
	return wg.Wait
}

// trace samples a's limit every 100ms for span.
func trace(a *Adaptive, span time.Duration) []int {
	var limits []int
	for t := time.Duration(0); t < span; t += 100 * time.Millisecond {
		time.Sleep(100 * time.Millisecond)
		limits = append(limits, a.Limit())
	}
	return limits
}

// settled returns the time (as a sample index × 100ms) from which every
// limit in trace stays within [lo, hi], or -1 if the last one is outside.
func settled(limits []int, lo, hi int) time.Duration {
	i := len(limits)
	for i > 0 && limits[i-1] >= lo && limits[i-1] <= hi {
		i--
	}
	if i == len(limits) {
		return -1
	}
	return time.Duration(i+1) * 100 * time.Millisecond
}

func newConvergence(t *testing.T, name string) *Adaptive {
	t.Helper()
	var (
		a   *Adaptive
		err error
	)
	wait := []WaitOption{WithMaxWaiting(1000)}
	switch name {
	case "vegas":
		a, err = NewVegas(wait[0])
	case "aimd":
		// AIMD sees latency only through its threshold: 12ms is 20% over
		// the dependency's latency without load.
		a, err = NewAIMD(wait[0], WithLatencyThreshold(12*time.Millisecond))
	}
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestConvergence runs the modelled dependency of the issue (10ms up to 50
// in flight, 20ms at 100) under 200 callers: the limit must settle in
// [40, 65] within 30s and hold for 30s more. Then the knee moves to 100:
// under 20 callers the limit must not move up (20 in flight is below half
// the limit: those samples say nothing of the knee); under 200 callers it
// must pass 80 within 30s.
func TestConvergence(t *testing.T) {
	for _, name := range []string{"vegas", "aimd"} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a := newConvergence(t, name)
				d := newDependency(10*time.Millisecond, 50)

				ctx, stop := context.WithCancel(t.Context())
				wait := load(ctx, a, d, 200)
				limits := trace(a, 60*time.Second)
				stop()
				wait()
				at := settled(limits, 40, 65)
				t.Logf("200 callers, knee 50: settled in [40,65] after %v; limit at 30s %d, at 60s %d", at, limits[299], limits[599])
				if at < 0 || at > 30*time.Second {
					t.Fatalf("limit settled in [40,65] after %v, want within 30s; trace %v", at, limits)
				}

				d.knee.Store(100)
				before := a.Limit()
				ctx, stop = context.WithCancel(t.Context())
				wait = load(ctx, a, d, 20)
				low := trace(a, 30*time.Second)
				stop()
				wait()
				t.Logf("20 callers, knee 100: limit %d -> %d after 30s (max %d)", before, low[len(low)-1], maxOf(low))
				// One step is allowed: the window open when the load
				// dropped holds samples of 200 callers, then of the
				// drain, which see no queue (Vegas grows by a tenth).
				if maxOf(low) > before+max(1, before/10) {
					t.Fatalf("limit under 20 callers grew to %d from %d, want no growth", maxOf(low), before)
				}

				ctx, stop = context.WithCancel(t.Context())
				wait = load(ctx, a, d, 200)
				high := trace(a, 30*time.Second)
				stop()
				wait()
				past := settled(high, 81, 1<<30)
				t.Logf("200 callers, knee 100: above 80 after %v; limit at 30s %d", past, high[len(high)-1])
				if past < 0 {
					t.Fatalf("limit under 200 callers with the knee at 100 did not pass 80 in 30s; trace %v", high)
				}
			})
		})
	}
}

func maxOf(s []int) int {
	m := 0
	for _, v := range s {
		m = max(m, v)
	}
	return m
}
