package sim

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/holdfast-go/holdfast/retry"
)

// JitterConfig describes a run of [Jitter].
type JitterConfig struct {
	// Clients is how many clients contend for the resource, from 1 to
	// 1,000,000 (a run holds every client in memory, and without jitter
	// makes about Clients²/2 calls).
	Clients int
	// Strategy is the backoff strategy every client uses (the zero Strategy
	// is the default FullJitter).
	Strategy retry.Strategy
	// Slot is how long one attempt takes, and the window within which two
	// attempts collide; > 0.
	Slot time.Duration
	// Seed seeds the clients' random source; a run is a function of its
	// JitterConfig.
	Seed uint64
}

// JitterResult is the outcome of a run of [Jitter].
type JitterResult struct {
	// Calls is the number of attempts all clients made, the successful ones
	// included: the work the resource did.
	Calls int
	// Completion is the virtual time at which the last client succeeded.
	Completion time.Duration
}

// Jitter runs the simulation of the AWS Architecture Blog article
// "Exponential Backoff And Jitter" in virtual time: Clients clients want to
// write once each to one resource under optimistic concurrency. They all make
// their first attempt at time 0; time is cut in slots of length Slot, and of
// the attempts that fall in one slot only the earliest succeeds (it commits
// first; the others find their read stale). A client whose attempt failed
// learns it at the end of the attempt, waits the delay its strategy gives for
// that retry, and tries again, until it succeeds.
//
// It reports the total attempts (the load) and the virtual time when the
// last client succeeded. The run is deterministic, uses no clock and starts
// no goroutine. Under contention, Exponential (no jitter) costs by far the
// most calls, and FullJitter and Decorrelated the fewest, as in the article;
// run BenchmarkJitter in this package to compare them.
//
// It is the one built-in scenario that does not run holdfast's objects on
// the [Clock]: the article's model is a pure calculation over the
// strategies' [retry.Strategy.Delay], which this function does directly.
// It was retry.Simulate.
//
// A run whose virtual time would pass the largest [time.Duration] (about
// 292 years, reachable with huge caps) returns an error rather than wrap
// around into nonsense.
func Jitter(cfg JitterConfig) (JitterResult, error) {
	switch {
	case cfg.Clients < 1 || cfg.Clients > maxJitterClients:
		return JitterResult{}, fmt.Errorf("sim: Jitter: Clients must be between 1 and %d, got %d", maxJitterClients, cfg.Clients)
	case cfg.Slot <= 0:
		return JitterResult{}, fmt.Errorf("sim: Jitter: Slot must be > 0, got %v", cfg.Slot)
	}
	if err := cfg.Strategy.Validate(); err != nil {
		return JitterResult{}, fmt.Errorf("sim: Jitter: %w", err)
	}
	src := rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)
	q := make(simQueue, cfg.Clients)
	for i := range q {
		q[i] = simClient{id: i}
	}
	var r JitterResult
	for len(q) > 0 {
		winner := q[0]
		r.Calls++
		if r.Completion = addSat(winner.at, cfg.Slot); r.Completion == math.MaxInt64 {
			return JitterResult{}, errJitterOverflow
		}
		end := winner.at - winner.at%cfg.Slot + cfg.Slot // <= r.Completion
		q.popFirst()
		// The losers of the slot: each waits for the end of its attempt and
		// its delay, in place at the top of the queue (no allocation).
		for len(q) > 0 && q[0].at < end {
			c := &q[0]
			r.Calls++
			c.prev = cfg.Strategy.Delay(c.n, c.prev, src)
			if c.at = addSat(c.at, addSat(cfg.Slot, c.prev)); c.at == math.MaxInt64 {
				return JitterResult{}, errJitterOverflow
			}
			c.n++
			heap.Fix(&q, 0)
		}
	}
	return r, nil
}

const maxJitterClients = 1_000_000

var errJitterOverflow = errors.New("sim: Jitter: virtual time passed the largest time.Duration; lower the strategy's cap or the Slot")

// addSat returns a+b for a, b >= 0, or the largest Duration when the sum
// overflows.
func addSat(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// simClient is a client waiting to make its next attempt at time at, after
// n failed ones.
type simClient struct {
	at   time.Duration
	id   int
	n    int
	prev time.Duration
}

// simQueue orders clients by the time of their next attempt, then by id.
type simQueue []simClient

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].id < q[j].id
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }

// Push and Pop are unused: Jitter moves clients in place with heap.Fix and
// popFirst, which do not box them in interfaces.
func (q *simQueue) Push(x any) { *q = append(*q, x.(simClient)) }
func (q *simQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}

// popFirst removes the earliest client.
func (q *simQueue) popFirst() {
	last := len(*q) - 1
	(*q)[0] = (*q)[last]
	*q = (*q)[:last]
	if last > 0 {
		heap.Fix(q, 0)
	}
}
