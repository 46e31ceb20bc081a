//go:build !race

package sim

import (
	"testing"
	"time"
)

// The two scenarios with the largest runs (about 100,000 requests per
// strategy, thousands of them blocked at once in the retry storm's
// backlog) take a few seconds in all, but about a minute under the race
// detector (the storm with attempt timeouts alone: 27s, on a shared
// 2-core machine): their tests are left out of -race builds, to keep
// those under CI's time. Their results do not depend on the race detector
// (a run is a function of its seed), and the machinery they use runs under
// -race in the other tests (TestDeterministic and TestParkSameAsWait run
// every strategy of both up to past the start of the outage). Run them
// with: go test -run 'RetryStorm|Overload' ./sim

// TestRetryStorm asserts the metastable failure: without a budget, goodput
// stays below 50% of the offered load for at least 60s after the outage
// ends; with a budget it is back above 90% within 10s.
//
// The issue states it for "3 attempts, 50ms fixed backoff". In this model
// that alone does not make a storm: a request whose only timeout is its
// deadline is not retried once the deadline passes, so an attempt stuck in
// the backlog costs one call, offered load stays under capacity, and the
// backlog drains within a second or two of the outage's end (measured: recovered
// after 1s, the same as with a budget). The storm of the paper needs
// timeouts that cause retries: with a 300ms timeout per attempt, the same
// clients never recover (goodput 0 from the outage to the end of the run,
// 203/s of 802/s offered over the whole run with seed 1), and the budget
// brings them back within 1s. The test asserts the
// stated figures on the attempt-timeout pair, and the measured behaviour of
// the plain pair.
func TestRetryStorm(t *testing.T) {
	s, sts := RetryStorm()
	rs := runAll(t, s, sts, 1)
	const end = 40 * time.Second
	storm, budget := rs["3 x 300ms attempts"], rs["3 x 300ms attempts + budget"]
	for _, p := range storm.Series {
		if p.At >= end && p.At < end+60*time.Second && p.Goodput >= 0.5*p.Offered {
			t.Errorf("%s: goodput at %v = %.0f/s, want < 50%% of offered %.0f/s for 60s after the outage", storm.Strategy, p.At, p.Goodput, p.Offered)
		}
	}
	for _, r := range []*Result{budget, rs["3 attempts"], rs["3 attempts + budget"]} {
		if !r.Recovered || r.Recovery > 10*time.Second {
			t.Errorf("%s: recovered %v after %v, want back to 90%% of offered within 10s", r.Strategy, r.Recovered, r.Recovery)
		}
	}
	if storm.Amplification < 2 || budget.Amplification > 1.25 {
		t.Errorf("amplification %.2f without budget, %.2f with, want >= 2 and <= 1.25", storm.Amplification, budget.Amplification)
	}
}

// TestOverload asserts that at twice the capacity an adaptive limit keeps
// goodput above 80% of capacity and p99 under 5x the unloaded median,
// where a fixed limit of 10x the knee collapses below 30% goodput.
func TestOverload(t *testing.T) {
	s, sts := Overload()
	rs := runAll(t, s, sts, 1)
	const capacity = 10 / 0.010317 // workers / mean service time
	for _, name := range []string{"adaptive (Vegas)", "adaptive (AIMD)"} {
		r := rs[name]
		if r.Goodput < 0.8*capacity || r.P99 >= 50*time.Millisecond {
			t.Errorf("%s: goodput %.0f/s, p99 %v, want > %.0f/s (80%% of capacity) and < 50ms", name, r.Goodput, r.P99, 0.8*capacity)
		}
	}
	if r := rs["fixed limit 100"]; r.Goodput >= 0.3*capacity {
		t.Errorf("fixed limit 100: goodput %.0f/s, want < %.0f/s (30%% of capacity)", r.Goodput, 0.3*capacity)
	}
}
