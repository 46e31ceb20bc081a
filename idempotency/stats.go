package idempotency

import (
	"fmt"
	"sync/atomic"
)

// Stats is a snapshot of a [Group]'s counts, from [Group.Stats]: what
// became of the calls of [Do] and of the requests the [Middleware] built
// on the Group let through (those with a key). The counts are cumulative
// since the Group was made.
//
// A call that asks the Store ends in one of Executions, Replays,
// Conflicts, Rejected or FailOpen, or in a Store error; Waited counts
// again the calls that waited for another holder before that end.
type Stats struct {
	// Executions counts the runs of fn (or of the handler) under a hold:
	// first runs, and runs after an earlier holder released the key.
	Executions uint64
	// Replays counts the recorded results returned without running fn.
	Replays uint64
	// Conflicts counts the calls refused because the key was recorded or
	// held with another fingerprint ([ErrKeyReused]).
	Conflicts uint64
	// Rejected counts the calls that found the key in progress and
	// returned an [*InProgressError]: at once under [Reject] (always, in
	// the Middleware), or when ctx ended during a wait.
	Rejected uint64
	// Waited counts the calls that found the key in progress and waited
	// for its result (the [Wait] policy), at least once.
	Waited uint64
	// StoreErrors counts the Store calls that failed: Acquire, Complete,
	// Release and Renew (Release and Renew finding the lease lost are not
	// failures; Complete refusing the result as lost is).
	StoreErrors uint64
	// FailOpen counts the runs of fn without dedupe because Acquire
	// failed, under [WithFailOpen]; each also counts in StoreErrors.
	FailOpen uint64
}

// String formats the snapshot on one line, for logs.
func (s Stats) String() string {
	return fmt.Sprintf("executions=%d replays=%d conflicts=%d rejected=%d waited=%d store_errors=%d fail_open=%d",
		s.Executions, s.Replays, s.Conflicts, s.Rejected, s.Waited, s.StoreErrors, s.FailOpen)
}

// cacheLine is the size of a CPU cache line (with room for the adjacent
// line that some CPUs prefetch as a pair).
const cacheLine = 128

// counters are a Group's counts. A call adds to one of them (two if it
// waited or failed open), with an atomic add and no lock. Executions and
// replays, the counts of the common paths, have cache lines of their own,
// so that goroutines replaying on one core do not contend with others
// executing on another.
type counters struct {
	executions atomic.Uint64
	_          [cacheLine - 8]byte
	replays    atomic.Uint64
	_          [cacheLine - 8]byte

	conflicts, rejected, waited, storeErrors, failOpen atomic.Uint64
}

// Stats returns a snapshot of g's counts. The fields are read one by one,
// so while calls are in progress they may not add up exactly.
func (g *Group) Stats() Stats {
	c := &g.stats
	return Stats{
		Executions:  c.executions.Load(),
		Replays:     c.replays.Load(),
		Conflicts:   c.conflicts.Load(),
		Rejected:    c.rejected.Load(),
		Waited:      c.waited.Load(),
		StoreErrors: c.storeErrors.Load(),
		FailOpen:    c.failOpen.Load(),
	}
}
