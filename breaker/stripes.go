package breaker

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// maxStripedCounters bounds the memory of a window's striped counters
// (8 bytes each): 256KiB.
const maxStripedCounters = 1 << 15

// stripes counts n counters (the calls of a time window's buckets) in k
// stripes, so that the calls of different processors add to different
// cache lines: each stripe holds its own n counters, away from the other
// stripes' lines, and a counter's value is the sum of its stripes.
//
// In the manner of Java's LongAdder, calls add to stripe 0 alone, with a
// compare-and-swap, until one fails: calls are then contending for the
// line, and from then on each call adds to the stripe of its processor.
// That stripe is taken from a per-processor hint: a [sync.Pool] keeps one
// hint per P (the pool's private slot), numbered in the order the Ps first
// ask, so that the calls a P runs, whichever goroutine makes them, add to
// one stripe, whose lines stay in that core's cache. This holds under any
// number of goroutines; it breaks only for a while when a goroutine is
// moved to another P between taking a hint and putting it back, or when a
// garbage collection empties the pool and the hints are numbered anew.
type stripes struct {
	k, n    int
	stride  int // from a stripe's counter to the next stripe's
	counts  []atomic.Int64
	striped atomic.Bool // contention was seen: use every stripe
	hints   sync.Pool   // *hint
	next    atomic.Uint32
}

// hint is the stripe of a processor.
type hint struct{ stripe int }

// stripeCount returns the number of stripes for n counters: one per P,
// within maxStripedCounters.
func stripeCount(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), maxStripedCounters/(n+16)))
}

// init makes s k stripes of n counters.
func (s *stripes) init(k, n int) {
	s.k, s.n, s.stride = k, n, n
	if k > 1 {
		// 8 counters fill a cache line: a line of gap before each
		// stripe and after the last.
		s.stride = (n+7)/8*8 + 8
	}
	s.counts = make([]atomic.Int64, k*s.stride+s.stride-n)
	s.hints.New = func() any {
		return &hint{int(s.next.Add(1)-1) % s.k}
	}
}

// counter returns counter i of stripe j.
func (s *stripes) counter(j, i int) *atomic.Int64 {
	return &s.counts[(j+1)*s.stride-s.n+i]
}

// add adds 1 to counter i: in stripe 0 while no contention is seen, else
// in the stripe of the calling processor.
func (s *stripes) add(i int) {
	if s.k == 1 {
		s.counter(0, i).Add(1)
		return
	}
	if !s.striped.Load() {
		c := s.counter(0, i)
		v := c.Load()
		if c.CompareAndSwap(v, v+1) {
			return
		}
		s.striped.Store(true)
	}
	h := s.hints.Get().(*hint)
	s.hints.Put(h)
	s.counter(h.stripe, i).Add(1)
}

// sum returns the value of counter i: the sum of its stripes.
func (s *stripes) sum(i int) int64 {
	var v int64
	for j := range s.k {
		v += s.counter(j, i).Load()
	}
	return v
}

// clear sets counter i to 0 in every stripe.
func (s *stripes) clear(i int) {
	for j := range s.k {
		s.counter(j, i).Store(0)
	}
}
