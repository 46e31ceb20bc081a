package lifecycle

import "time"

// period returns the wait between two runs: interval × (1 + jitter×(2u−1)),
// for u drawn uniformly from [0, 1). It takes u as a value so that the
// bounds can be tested without a random source.
func period(interval time.Duration, jitter, u float64) time.Duration {
	if jitter == 0 {
		return interval
	}
	return time.Duration(float64(interval) * (1 + jitter*(2*u-1)))
}

// next returns when the run after the one due at due starts, given that
// the run ended at end and that p is the wait between two runs: due+p if
// the run ended in time. If it ended later, the [Delay] policy starts the
// next run at end (delayed), and [Skip] at the first due+k×p not before
// end, skipping the k runs whose times passed.
func next(due, end time.Time, p time.Duration, o Overlap) (at time.Time, skipped uint64, delayed bool) {
	at = due.Add(p)
	if !end.After(at) {
		return at, 0, false
	}
	if o == Delay || p <= 0 {
		return end, 0, true
	}
	k := (end.Sub(at) + p - 1) / p // ceil: the slots that passed
	return at.Add(k * p), uint64(k), false
}
