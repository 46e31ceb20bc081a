package breaker

import "time"

// Stats is a snapshot of a [Breaker], from [Breaker.Stats].
//
// The window counts are those of the sliding window ([WithCountWindow],
// [WithTimeWindow]); they are zero when no rate rule or window is
// configured. In the open and half-open states they are those of the window
// that tripped (a time window keeps ageing), until the breaker closes again
// with an empty window.
type Stats struct {
	// State is the breaker's state, as [Breaker.State] reports it.
	State State
	// Calls is the number of recorded calls in the window (ignored calls
	// are not recorded).
	Calls int64
	// Failures is the number of those calls that failed.
	Failures int64
	// SlowCalls is the number of those calls slower than the threshold of
	// [WithSlowCall], failed or not.
	SlowCalls int64
	// FailureRate is Failures/Calls, 0 when Calls is 0.
	FailureRate float64
	// SlowCallRate is SlowCalls/Calls, 0 when Calls is 0.
	SlowCallRate float64
	// ConsecutiveFailures is the number of failures in a row in the
	// closed state, or when the breaker is not closed, at the time it left
	// the closed state.
	ConsecutiveFailures int64
	// Trips is the number of times the breaker opened by itself (from
	// closed or half-open) since it was made.
	Trips uint64
	// Rejected is the number of calls rejected since it was made.
	Rejected uint64
	// LastTransition is when the state last changed (or the breaker was
	// made or reset).
	LastTransition time.Time
}

// Stats returns a snapshot of the breaker's state and counts. Under
// concurrent calls its counts may be out of step with one another by the
// calls being recorded.
func (b *Breaker) Stats() Stats {
	state := b.State()
	g := b.cur.Load()
	m := g.metrics
	var c counts
	switch {
	case m.cw != nil:
		c = m.cw.counts()
	case m.tw != nil:
		c = m.tw.counts(b.now())
	}
	b.mu.Lock()
	trips := b.trips
	b.mu.Unlock()
	return Stats{
		State:               state,
		Calls:               c.calls,
		Failures:            c.failures,
		SlowCalls:           c.slow,
		FailureRate:         rate(c.failures, c.calls),
		SlowCallRate:        rate(c.slow, c.calls),
		ConsecutiveFailures: m.consecutive.Load(),
		Trips:               trips,
		Rejected:            b.rejected.Load(),
		LastTransition:      b.base.Add(time.Duration(g.since)),
	}
}

func rate(n, calls int64) float64 {
	if calls <= 0 {
		return 0
	}
	return float64(n) / float64(calls)
}
