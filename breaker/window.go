package breaker

import (
	"runtime"
	"sync/atomic"
)

// The outcome of a recorded call, as a set of marks. A call that is
// recorded has markCall; 0 is an empty slot of a count window.
const (
	markCall uint32 = 1 << iota
	markFailure
	markSlow
)

// counts are the calls held by a sliding window.
type counts struct {
	calls, failures, slow int64
}

// countWindow is a sliding window over the last len(slots) calls: a ring of
// outcome marks written in turn at the position given by an atomic sequence
// number, with running totals. Each slot is swapped, so that every mark
// written is taken out of the totals exactly once when it is replaced, even
// when two calls race for the same slot; the totals read together may be
// momentarily out of step by the calls being recorded.
//
// unsettled counts the slots that do not hold a plain success (empty,
// failed or slow). It is raised before a slot takes such a mark and lowered
// after a slot loses one, so it is never below the true count: when it reads
// 0, every slot holds a success at that instant. A success recorded then
// would replace a success with a success and change nothing but which of
// the identical marks is the oldest, so the caller may leave it out (see
// [gen.settled]). Such a success is ordered before the calls being recorded
// at the same time, which cannot lose them: it writes nothing.
//
// The fields read by every call (unsettled, the slots' header) and the
// totals, written only when a slot changes, are kept off the line of seq,
// written by every call that is not left out.
type countWindow struct {
	unsettled atomic.Int64
	calls,
	failures,
	slow atomic.Int64
	slots []atomic.Uint32
	_     [64]byte
	seq   atomic.Uint64
	_     [56]byte
}

func newCountWindow(n int) *countWindow {
	w := &countWindow{slots: make([]atomic.Uint32, n)}
	w.unsettled.Store(int64(n))
	return w
}

// settled reports whether the window is full of successes, so that another
// success has nothing to change.
func (w *countWindow) settled() bool { return w.unsettled.Load() == 0 }

// add records m in place of the oldest call. It reports whether a rate may
// have risen: the window grew, or m is a failure or slow and replaced a
// different outcome. A fast success replacing anything can only lower them.
//
// A slot that already holds m is only read, so that in a steady run of
// successes the slots' cache lines stay shared among the cores.
func (w *countWindow) add(m uint32) bool {
	slot := &w.slots[(w.seq.Add(1)-1)%uint64(len(w.slots))]
	if slot.Load() == m {
		return false
	}
	if m != markCall {
		w.unsettled.Add(1)
	}
	old := slot.Swap(m)
	if old != markCall {
		w.unsettled.Add(-1)
	}
	if old == m {
		return false
	}
	adjust(&w.calls, old, m, markCall)
	adjust(&w.failures, old, m, markFailure)
	adjust(&w.slow, old, m, markSlow)
	return old == 0 || m != markCall
}

// adjust moves total by the change of the bit mark from old to m.
func adjust(total *atomic.Int64, old, m, mark uint32) {
	if d := int64(m&mark) - int64(old&mark); d != 0 {
		total.Add(d / int64(mark))
	}
}

func (w *countWindow) counts() counts {
	return counts{w.calls.Load(), w.failures.Load(), w.slow.Load()}
}

// bucketResetting marks a bucket of a timeWindow being cleared.
const bucketResetting = -1

// bucket holds the failed and slow calls of one period of a timeWindow; its
// calls are counted in the window's stripes. Its fields are written once a
// period and by failed or slow calls, so that period, read by every call,
// stays shared among the cores.
type bucket struct {
	// period is 1 + the number of the period (time / width) whose calls
	// the bucket holds: 0 before first use, bucketResetting while cleared.
	period atomic.Int64
	failures,
	slow atomic.Int64
}

// timeWindow is a sliding window over the calls of the last len(buckets)
// periods of width nanoseconds. The bucket of a time is a pure function of
// it: period t/width, bucket period % len(buckets). A bucket still holding
// an older period is cleared lazily by the first call that needs it, which
// takes it with a compare-and-swap on its period.
//
// Every call adds to the count of calls of its bucket, so that count is
// striped: each stripe has a counter per bucket, a call adds to the one of
// its stripe, and the counts of a bucket are summed when they are read.
// The stripe of a call is that of the processor (P) running it, so that a
// counter's cache line stays with one core; see [stripes].
//
// So that a call does not sum every bucket, the sum of the buckets before
// the current one is kept in past, computed by the first call of a period.
// A call of the previous period recorded after that is counted from the
// next period on (or by [Breaker.Stats], which sums every bucket).
//
// A success can trip the breaker only when the window holds a failed or slow
// call, and only when it brings the window to the minimum of calls or comes
// after calls have rolled out: else it only lowers the rates. So a success
// evaluates the rates only when the window may hold a failed or slow call
// (lastBad, the latest period given one, is recent) and the period is not
// quiet. A period is quiet once an evaluation in it found the minimum of
// calls reached and the rates below their thresholds: no call rolls out
// within a period, so the window holds the minimum for the rest of it, and
// only a failed or slow call, which evaluates the rates itself, can raise
// them. Thus in a steady state a success reads no counter, and the stripes
// of the other processors stay in their caches.
type timeWindow struct {
	width   int64
	lastBad atomic.Int64
	quiet   atomic.Int64 // the latest quiet period (0: none)
	buckets []bucket
	calls   stripes
	_       [64]byte // keep past, written once a period, off the fields above
	past    pastSums
}

// pastSums caches the counts of the buckets before a period, under a
// sequence lock: seq is odd while the fields are written.
type pastSums struct {
	seq    atomic.Uint64
	period atomic.Int64 // 1-based, as bucket.period; 0: nothing cached
	calls,
	failures,
	slow atomic.Int64
}

// newTimeWindow returns a window of n buckets of width nanoseconds, with a
// stripe per processor (see [stripeCount]).
func newTimeWindow(width int64, n int) *timeWindow {
	return newStripedTimeWindow(width, n, stripeCount(n))
}

func newStripedTimeWindow(width int64, n, stripes int) *timeWindow {
	w := &timeWindow{width: width, buckets: make([]bucket, n)}
	w.calls.init(stripes, n)
	w.lastBad.Store(-int64(n)) // none: out of the window of period 1 on
	return w
}

// period returns the 1-based period of time now.
func (w *timeWindow) period(now int64) int64 { return now/w.width + 1 }

// add records m at time now (nanoseconds since the breaker was made). It
// reports whether the rates must be evaluated: m is a failed or slow call,
// or the window may hold one and the period is not quiet.
//
// A failed or slow call raises lastBad before it is counted, and a success
// reads lastBad after it is counted. So when a success and a failure are
// recorded at the same time, either the success sees lastBad raised and
// evaluates the rates, or the failure's own evaluation counts the success.
func (w *timeWindow) add(now int64, m uint32) bool {
	p := w.period(now)
	if m != markCall {
		w.raiseLastBad(p)
	}
	i := int(p % int64(len(w.buckets)))
	if w.claim(i, p) { // else the bucket holds a later period: too late to count
		w.calls.add(i)
		b := &w.buckets[i]
		if m&markFailure != 0 {
			b.failures.Add(1)
		}
		if m&markSlow != 0 {
			b.slow.Add(1)
		}
	}
	return m != markCall || (p-w.lastBad.Load() < int64(len(w.buckets)) && w.quiet.Load() != p)
}

// markQuiet marks the period of now quiet: an evaluation in it found the
// minimum of calls and the rates below their thresholds.
func (w *timeWindow) markQuiet(now int64) {
	p := w.period(now)
	for {
		q := w.quiet.Load()
		if q >= p || w.quiet.CompareAndSwap(q, p) {
			return
		}
	}
}

// raiseLastBad makes lastBad at least p.
func (w *timeWindow) raiseLastBad(p int64) {
	for {
		last := w.lastBad.Load()
		if last >= p || w.lastBad.CompareAndSwap(last, p) {
			return
		}
	}
}

// claim makes bucket i hold period, clearing it when it holds an earlier
// one. It reports false when the bucket holds a later period.
func (w *timeWindow) claim(i int, period int64) bool {
	b := &w.buckets[i]
	for {
		cur := b.period.Load()
		switch {
		case cur == period:
			return true
		case cur > period:
			return false
		case cur == bucketResetting:
			runtime.Gosched() // another call is clearing it: a few stores
		case b.period.CompareAndSwap(cur, bucketResetting):
			w.calls.clear(i)
			b.failures.Store(0)
			b.slow.Store(0)
			b.period.Store(period)
			return true
		}
	}
}

// counts returns the counts of the window at time now, summing every
// bucket.
func (w *timeWindow) counts(now int64) counts {
	p := w.period(now)
	return w.sum(p-int64(len(w.buckets)), p)
}

// recent returns the counts of the window at time now, from the cached
// counts of the past buckets and the current bucket.
func (w *timeWindow) recent(now int64) counts {
	p := w.period(now)
	c, ok := w.past.load(p)
	if !ok {
		c = w.sum(p-int64(len(w.buckets)), p-1)
		w.past.store(p, c)
	}
	i := int(p % int64(len(w.buckets)))
	if b := &w.buckets[i]; b.period.Load() == p {
		c.calls += w.calls.sum(i)
		c.failures += b.failures.Load()
		c.slow += b.slow.Load()
	}
	return c
}

// sum adds up the buckets whose period is in (after, upTo].
func (w *timeWindow) sum(after, upTo int64) counts {
	var c counts
	for i := range w.buckets {
		b := &w.buckets[i]
		if p := b.period.Load(); p > after && p <= upTo {
			c.calls += w.calls.sum(i)
			c.failures += b.failures.Load()
			c.slow += b.slow.Load()
		}
	}
	return c
}

// load returns the cached counts before period, if they are cached and not
// being written.
func (s *pastSums) load(period int64) (counts, bool) {
	seq := s.seq.Load()
	if seq&1 != 0 || s.period.Load() != period {
		return counts{}, false
	}
	c := counts{s.calls.Load(), s.failures.Load(), s.slow.Load()}
	return c, s.seq.Load() == seq
}

// store caches c as the counts before period, unless another call is
// storing or a later period is cached.
func (s *pastSums) store(period int64, c counts) {
	seq := s.seq.Load()
	if seq&1 != 0 || !s.seq.CompareAndSwap(seq, seq+1) {
		return
	}
	if s.period.Load() < period {
		s.calls.Store(c.calls)
		s.failures.Store(c.failures)
		s.slow.Store(c.slow)
		s.period.Store(period)
	}
	s.seq.Store(seq + 2)
}
