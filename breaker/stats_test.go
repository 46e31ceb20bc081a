package breaker

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestStatsLastTransition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		b := mustNew(t, WithConsecutiveFailures(1))
		if got := b.Stats().LastTransition; !got.Equal(start) {
			t.Fatalf("LastTransition = %v, want %v", got, start)
		}
		time.Sleep(time.Minute)
		run(t, b, 1, fail)
		if got := b.Stats().LastTransition; !got.Equal(start.Add(time.Minute)) {
			t.Fatalf("LastTransition = %v, want %v", got, start.Add(time.Minute))
		}
	})
}

// TestStatsAfterTrip checks that an open breaker reports the window that
// tripped it, and a closed one an empty window again after recovery.
func TestStatsAfterTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithFailureRate(0.5), WithCountWindow(4), WithMinimumCalls(4),
			WithConsecutiveFailures(3), WithOpenDuration(time.Second))
		run(t, b, 1, succeed)
		run(t, b, 1, fail)
		run(t, b, 1, succeed)
		run(t, b, 1, fail) // 2 of 4: trips
		_ = b.Do(context.Background(), succeed)
		want := Stats{
			State: StateOpen, Calls: 4, Failures: 2, FailureRate: 0.5,
			ConsecutiveFailures: 1, Trips: 1, Rejected: 1, LastTransition: time.Now(),
		}
		if got := b.Stats(); got != want {
			t.Fatalf("Stats() = %+v, want %+v", got, want)
		}
		time.Sleep(time.Second)
		run(t, b, 1, succeed) // the probe closes it
		want = Stats{State: StateClosed, Trips: 1, Rejected: 1, LastTransition: time.Now()}
		if got := b.Stats(); got != want {
			t.Fatalf("Stats() = %+v, want %+v", got, want)
		}
	})
}
