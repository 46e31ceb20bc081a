package limit

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// run makes n calls of latency lat through a, one at a time, each released
// with err.
func run(t *testing.T, a *Adaptive, n int, lat time.Duration, err error) {
	t.Helper()
	for range n {
		p, aerr := a.TryAcquire()
		if aerr != nil {
			t.Fatal(aerr)
		}
		time.Sleep(lat)
		p.Release(err)
	}
}

func TestAIMDBacksOffOnOverload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var moves [][2]int
		a, err := NewAIMD(WithInitialLimit(100), WithLimits(10, 200), WithWindow(time.Second, 1),
			WithOnLimitChange(func(from, to int) { moves = append(moves, [2]int{from, to}) }))
		if err != nil {
			t.Fatal(err)
		}
		run(t, a, 10, 100*time.Millisecond, errors.New("timeout"))
		if got := a.Limit(); got != 90 {
			t.Fatalf("Limit() after an overloaded window = %d, want 90", got)
		}
		if len(moves) != 1 || moves[0] != [2]int{100, 90} {
			t.Fatalf("OnLimitChange calls = %v, want [[100 90]]", moves)
		}
		for range 40 {
			run(t, a, 10, 100*time.Millisecond, errors.New("timeout"))
		}
		if got := a.Limit(); got != 10 {
			t.Fatalf("Limit() after many = %d, want the min 10", got)
		}
	})
}

// TestAdaptiveNoGrowthWhenIdle: calls one at a time are far below the
// limit, so successful windows must not push it up.
func TestAdaptiveNoGrowthWhenIdle(t *testing.T) {
	for _, name := range []string{"aimd", "vegas"} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var a *Adaptive
				var err error
				if name == "aimd" {
					a, err = NewAIMD(WithInitialLimit(10), WithWindow(time.Second, 1))
				} else {
					a, err = NewVegas(WithInitialLimit(10), WithWindow(time.Second, 1))
				}
				if err != nil {
					t.Fatal(err)
				}
				run(t, a, 100, 100*time.Millisecond, nil)
				if got := a.Limit(); got != 10 {
					t.Fatalf("Limit() after 100 lone calls = %d, want 10", got)
				}
			})
		})
	}
}

// TestAdaptiveGrantsWaitersOnGrowth: when the limit grows, waiting calls
// take the new places at once.
func TestAdaptiveGrantsWaitersOnGrowth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := NewAIMD(WithInitialLimit(2), WithMaxWaiting(5), WithWindow(time.Millisecond, 1))
		if err != nil {
			t.Fatal(err)
		}
		p1, _ := a.TryAcquire()
		p2, _ := a.TryAcquire()
		done := make(chan struct{})
		for range 2 {
			go func() {
				p, err := a.Acquire(t.Context())
				if err == nil {
					<-done
					p.Release(nil)
				}
			}()
		}
		synctest.Wait()
		time.Sleep(time.Millisecond)
		p1.Release(nil) // closes a full window: the limit grows to 3
		synctest.Wait()
		if s := a.Stats(); s.Limit != 3 || s.InFlight != 3 || s.Waiting != 0 {
			t.Fatalf("Stats() = %+v, want limit 3, 3 in flight, none waiting", s)
		}
		close(done)
		p2.Release(nil)
	})
}

// TestVegasBaselineRises: when the dependency's latency without load
// rises for good (10ms to 40ms), Vegas first reads the rise as a queue
// and shrinks the limit to a handful of calls; once the old baseline has
// aged out (one to two epochs of windows) it measures the new one and
// the limit comes back to where it was, a few calls above the knee (30).
func TestVegasBaselineRises(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := NewVegas(WithLimits(1, 100), WithInitialLimit(20), WithMaxWaiting(100))
		if err != nil {
			t.Fatal(err)
		}
		d := newDependency(10*time.Millisecond, 30)
		ctx, stop := context.WithCancel(t.Context())
		wait := load(ctx, a, d, 60)
		before := trace(a, 20*time.Second)
		d.base.Store(int64(40 * time.Millisecond))
		after := trace(a, 80*time.Second)
		stop()
		wait()
		low := slices.Min(after)
		end := after[len(after)-1]
		t.Logf("limit before the rise %d, lowest after %d, 80s after %d", before[len(before)-1], low, end)
		if low > 10 {
			t.Fatalf("lowest limit after the rise = %d, want at most 10 (the rise read as a queue)", low)
		}
		if end < 30 || end > 40 {
			t.Fatalf("limit 80s after the rise = %d, want 30 to 40 (back above the knee)", end)
		}
	})
}

// TestAdaptiveStaysWithinMax: windows that fill the limit with fast, good
// calls push it up to the max of WithLimits and never past it.
func TestAdaptiveStaysWithinMax(t *testing.T) {
	for _, name := range []string{"aimd", "vegas"} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				highest := 0
				opts := []AdaptiveOption{WithInitialLimit(2), WithLimits(1, 4), WithWindow(time.Millisecond, 1),
					WithOnLimitChange(func(_, to int) { highest = max(highest, to) })}
				var a *Adaptive
				var err error
				if name == "aimd" {
					a, err = NewAIMD(opts[0], opts[1], opts[2], opts[3])
				} else {
					a, err = NewVegas(opts[0], opts[1], opts[2], opts[3])
				}
				if err != nil {
					t.Fatal(err)
				}
				for range 50 {
					var ps []Permit
					for {
						p, err := a.TryAcquire()
						if err != nil {
							break
						}
						ps = append(ps, p)
					}
					time.Sleep(time.Millisecond)
					for i := range ps {
						ps[i].Release(nil)
					}
				}
				if got := a.Limit(); got != 4 || highest != 4 {
					t.Fatalf("Limit() = %d, highest %d, want both the max 4", got, highest)
				}
			})
		})
	}
}
