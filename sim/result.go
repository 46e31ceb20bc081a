package sim

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// Outcome is how a request ended.
type Outcome uint8

const (
	// OK: answered without error before its deadline.
	OK Outcome = iota
	// Timeout: the deadline passed first (or a retry could not start
	// before it).
	Timeout
	// Rejected: refused by a breaker, a limiter or the strategy
	// ([ErrRejected]).
	Rejected
	// BudgetExhausted: a retry was refused by a retry.Budget.
	BudgetExhausted
	// DependencyError: the dependency's error, after the strategy's
	// retries.
	DependencyError
	numOutcomes
)

var outcomeNames = [...]string{"ok", "timeout", "rejected", "budget", "dependency"}

// String returns the outcome's name, as in tables.
func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return "unknown"
}

// classify returns the outcome of a request that ended at end with err,
// given its deadline.
func classify(err error, end, deadline time.Duration) Outcome {
	switch {
	case end > deadline || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, retry.ErrOutOfTime):
		return Timeout
	case err == nil:
		return OK
	case errors.Is(err, retry.ErrBudgetExhausted):
		return BudgetExhausted
	case errors.Is(err, breaker.ErrOpen) || errors.Is(err, limit.ErrLimited) || errors.Is(err, ErrRejected):
		return Rejected
	}
	return DependencyError
}

// Sample is one request of a run.
type Sample struct {
	// Start is when the request arrived, from the start of the run.
	Start time.Duration
	// Latency is how long it took to answer (whatever the outcome).
	Latency time.Duration
	Outcome Outcome
}

// Errors counts the requests that did not succeed, by cause.
type Errors struct {
	Timeout, Rejected, Budget, Dependency int
}

// Result is the outcome of one run of a strategy on a scenario.
type Result struct {
	Scenario, Strategy string
	Seed               uint64
	// Requests is how many requests arrived; OK how many were answered in
	// time.
	Requests, OK int
	// Offered and Goodput are requests a second that arrived and that
	// were answered in time, over the scenario's Duration.
	Offered, Goodput float64
	// Calls is the calls made to the dependencies (all of them), and
	// CallsTo the calls per dependency, in the scenario's order.
	Calls   int
	CallsTo []int
	// Amplification is Calls per request: the load the strategy puts on
	// the dependencies for each request.
	Amplification float64
	// Latency percentiles of every request, whatever its outcome.
	P50, P99, P999 time.Duration
	Errors         Errors
	// Recovery is how long after the last phase of any dependency ended
	// goodput was back to 90% of the offered load (at the end of the first
	// bucket of the series that has it); Recovered is false if it never
	// was, or if the scenario has no phase.
	Recovery  time.Duration
	Recovered bool
	// Incident is whether the scenario has a phase at all.
	Incident bool
	// Series is the run bucket by bucket (requests by arrival time).
	Series []Point
	// Samples holds every request, in order of arrival.
	Samples []Sample
}

// Point is one bucket of a run's time series.
type Point struct {
	// At is the start of the bucket.
	At time.Duration
	// Offered and Goodput are requests a second, by arrival time.
	Offered, Goodput float64
	// P99 is the 99th percentile latency of the requests that arrived in
	// the bucket.
	P99 time.Duration
	// Calls is the calls made to each dependency in the bucket (by the
	// time they were made), in the scenario's order.
	Calls []int
}

// Summary is the latency and outcomes of the requests that arrived in a
// window of a run (see [Result.Between]).
type Summary struct {
	Requests, OK   int
	P50, P99, P999 time.Duration
	Errors         Errors
}

// Between summarizes the requests that arrived in [from, to).
func (r *Result) Between(from, to time.Duration) Summary {
	var s Summary
	var lat []time.Duration
	for _, x := range r.Samples {
		if x.Start < from || x.Start >= to {
			continue
		}
		s.Requests++
		lat = append(lat, x.Latency)
		s.Errors.count(x.Outcome)
		if x.Outcome == OK {
			s.OK++
		}
	}
	slices.Sort(lat)
	s.P50, s.P99, s.P999 = quantile(lat, 0.5), quantile(lat, 0.99), quantile(lat, 0.999)
	return s
}

func (e *Errors) count(o Outcome) {
	switch o {
	case Timeout:
		e.Timeout++
	case Rejected:
		e.Rejected++
	case BudgetExhausted:
		e.Budget++
	case DependencyError:
		e.Dependency++
	}
}

// quantile returns the q-quantile of sorted (nearest rank), 0 if empty.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
