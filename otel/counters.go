package holdfastotel

import (
	"context"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"
)

// The counts the observers keep per call (a breaker's calls by outcome, a
// retry policy's calls by result, attempts and retries) are not added to
// the SDK's synchronous counters, whose Add costs a few hundred
// nanoseconds even with a precomputed attribute set: they are atomic adds
// to counters of this package, which one callback, registered by [New],
// reports through observable counters when the MeterProvider collects. A
// counter exports as the same metric whether it is synchronous or
// observable, so the table of the package documentation does not change.
//
// The counters of one name are shared by every observer made with that
// name (as a synchronous counter's series would be), and kept as long as
// the callback is registered, that is until [Instrumentation.Close] or
// for the life of the MeterProvider: their number is bounded by the
// names, which the cardinality rule bounds.

// cacheLine is the size the counters are padded to, so that the counters
// of two stripes never share a cache line.
const cacheLine = 64

// stripes are copies of a set of counters S, each on cache lines of its
// own: a call adds to one stripe chosen at random, a collection sums them,
// so that calls on different cores rarely write the same cache line. With
// one stripe (few cores), a call adds to it without drawing a number.
type stripes[S any] struct {
	mask uint32
	s    []padded[S]
}

type padded[S any] struct {
	v S
	_ [cacheLine]byte
}

// maxStripes bounds the stripes of a set of counters.
const maxStripes = 64

// stripesFor returns the number of stripes for procs cores: one up to 4
// cores, where calls that contend for one counter cost less than drawing
// a stripe at random (see BenchmarkCounterAdd), and beyond that procs
// rounded up to a power of two, at most maxStripes.
func stripesFor(procs int) int {
	if procs <= 4 {
		return 1
	}
	return min(1<<bits.Len(uint(procs-1)), maxStripes)
}

// newStripes returns stripes of S, as many as stripesFor GOMAXPROCS.
func newStripes[S any]() stripes[S] {
	return newStripesN[S](stripesFor(runtime.GOMAXPROCS(0)))
}

// newStripesN returns n stripes of S; n is a power of two.
func newStripesN[S any](n int) stripes[S] {
	return stripes[S]{mask: uint32(n - 1), s: make([]padded[S], n)}
}

// pick returns the stripe a call adds to.
func (s *stripes[S]) pick() *S {
	if s.mask == 0 {
		return &s.s[0].v
	}
	return &s.s[rand.Uint32()&s.mask].v
}

// sum returns the sum over the stripes of what get reads from each.
func (s *stripes[S]) sum(get func(*S) int64) int64 {
	var n int64
	for i := range s.s {
		n += get(&s.s[i].v)
	}
	return n
}

// breakerCounts are the counts of the breakers of one name: its calls by
// [breaker.Outcome].
type breakerCounts struct {
	outcomes [3]attrs
	n        stripes[[3]atomic.Int64]
}

// retryCounts are the counts of the retry policies of one name.
type retryCounts struct {
	all     attrs
	results [len(retryResults)]attrs
	n       stripes[retryStripe]
}

type retryStripe struct {
	calls    [len(retryResults)]atomic.Int64 // by retryResult
	attempts atomic.Int64
	retries  atomic.Int64
}

// counters holds the counts of every name, for the callback.
type counters struct {
	mu        sync.Mutex
	breakers  []*breakerCounts
	retries   []*retryCounts
	byBreaker map[string]*breakerCounts
	byRetry   map[string]*retryCounts
}

// breaker returns the counts of the breakers called name.
func (c *counters) breaker(name string) *breakerCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.byBreaker[name]; ok {
		return b
	}
	b := &breakerCounts{n: newStripes[[3]atomic.Int64]()}
	for i, out := range breakerOutcomes {
		b.outcomes[i] = newAttrs(name, BreakerOutcomeKey.String(out.String()))
	}
	if c.byBreaker == nil {
		c.byBreaker = map[string]*breakerCounts{}
	}
	c.byBreaker[name] = b
	c.breakers = append(c.breakers, b)
	return b
}

// retry returns the counts of the retry policies called name.
func (c *counters) retry(name string) *retryCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.byRetry[name]; ok {
		return r
	}
	r := &retryCounts{all: newAttrs(name), n: newStripes[retryStripe]()}
	for i, res := range retryResults {
		r.results[i] = newAttrs(name, RetryResultKey.String(res))
	}
	if c.byRetry == nil {
		c.byRetry = map[string]*retryCounts{}
	}
	c.byRetry[name] = r
	c.retries = append(c.retries, r)
	return r
}

// registerCounters registers the callback that reports the counts.
func (in *Instrumentation) registerCounters() error {
	i := &in.inst
	var err error
	in.counting, err = in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		in.counters.observe(i, o)
		return nil
	}, i.breakerCalls, i.retryCalls, i.retryAttempts, i.retryRetries)
	return err
}

// observe reports every count that is not 0 (a count is reported from its
// first call on, as a synchronous counter's series would be).
func (c *counters) observe(i *instruments, o metric.Observer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	put := func(inst metric.Int64Observable, v int64, a attrs) {
		if v != 0 {
			o.ObserveInt64(inst, v, a.obs...)
		}
	}
	for _, b := range c.breakers {
		for k := range b.outcomes {
			put(i.breakerCalls, b.n.sum(func(s *[3]atomic.Int64) int64 { return s[k].Load() }), b.outcomes[k])
		}
	}
	for _, r := range c.retries {
		for k := range r.results {
			put(i.retryCalls, r.n.sum(func(s *retryStripe) int64 { return s.calls[k].Load() }), r.results[k])
		}
		put(i.retryAttempts, r.n.sum(func(s *retryStripe) int64 { return s.attempts.Load() }), r.all)
		put(i.retryRetries, r.n.sum(func(s *retryStripe) int64 { return s.retries.Load() }), r.all)
	}
}
