package breaker

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Breaker is a circuit breaker. Build it once with [New] and share it among
// the goroutines that call the dependency it guards; it is safe for
// concurrent use.
//
// Cost, in the closed state: [Breaker.Do], [Execute] and [Breaker.Allow]
// take no lock and do not allocate. With consecutive failures alone (the
// default rule), a success adds about 10ns to fn and only reads shared
// memory, so it scales with the cores; so does a success into a count
// window full of successes, which has nothing to change. Any other call
// into a count window adds to one shared sequence number, a cache line its
// calls contend for. A time window reads the clock once per call and
// counts the call in a counter that is striped per processor once calls
// contend for it. [WithSlowCall] reads the clock twice per call. A
// rejected call allocates its [*OpenError] in the open state (not in the
// half-open or forced-open states). Changes of state take a mutex and
// allocate.
type Breaker struct {
	// cur is the current generation: every change of state installs a
	// new one, so that the closed state's counters are never reset in
	// place and the outcome of a call admitted before a change, recorded
	// after it, is dropped.
	cur      atomic.Pointer[gen]
	_        [56]byte // cur is read by every call; rejected is written by some
	rejected atomic.Uint64
	_        [56]byte

	cfg   config
	base  time.Time // times are kept as nanoseconds since base
	clock bool      // a call's end is timed: time window or slow rule

	// calls are the reusable calls of Allow under the slow rule.
	calls sync.Pool

	mu         sync.Mutex
	level      int // trips since the last recovery: the backoff exponent
	trips      uint64
	pending    []change // changes whose hooks have not run yet
	delivering bool     // a goroutine is running the hooks of pending
}

// change is a change of state, waiting for its hooks.
type change struct{ from, to State }

// gen is one stay of the breaker in a state. Its first fields are fixed
// when it is made; the counters after them are written by calls.
type gen struct {
	state State
	// fast: a call is admitted with nothing to do, and a success has
	// nothing to record when the gen is settled (closed with no slow rule,
	// or disabled; never with an Observer, which sees every call).
	fast      bool
	since     int64 // when the state began
	openUntil int64 // StateOpen: when the next probe may go
	// metrics is the last closed gen, whose window and consecutive
	// failures [Breaker.Stats] reports.
	metrics *gen
	cw      *countWindow
	tw      *timeWindow
	done    func(error) // returned by Allow, made once per gen
	reject  error       // the rejection of StateHalfOpen and StateForcedOpen

	_           [64]byte // keep the counters off the fields above, read by every call
	consecutive atomic.Int64
	_           [56]byte
	probes      atomic.Int64 // half-open: probes admitted, less the ignored ones
	successes   atomic.Int64 // half-open: probes that succeeded
}

// New returns a closed Breaker with the options applied, or an error naming
// the first bad option. Without options it opens after
// [DefaultConsecutiveFailures] failures in a row, stays open for
// [DefaultOpenDuration], then lets [DefaultHalfOpenProbes] probe through.
func New(opts ...Option) (*Breaker, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	b := &Breaker{
		cfg:   cfg,
		base:  cfg.wallNow(),
		clock: cfg.timeWindow > 0 || cfg.slowThreshold > 0,
	}
	b.calls.New = b.newCall
	b.cur.Store(b.newGen(StateClosed, 0, 0, nil))
	return b, nil
}

// Do calls fn if the breaker lets the call through and records its outcome:
// nil is a success; an error is a failure, a success or left out, as
// [WithIsFailure] and [WithIsIgnored] decide. Do returns fn's error as it
// is.
//
// When the breaker rejects the call, Do returns an [*OpenError] matching
// [ErrOpen] without calling fn. When ctx is already done, it returns
// ctx.Err() without calling fn or recording anything, so that an expired
// deadline is not charged to the dependency. A nil ctx or fn is an error,
// and nothing is recorded.
//
// A panic in fn is recorded as a failure and goes on to Do's caller as it
// was, with its value and stack.
func (b *Breaker) Do(ctx context.Context, fn func(context.Context) error) error {
	// The fast path's checks are written out here and in Execute rather
	// than in a helper: the compiler cannot inline one (it has a call to
	// fall back on), and the extra calls cost a third of Do's overhead.
	g, start := b.cur.Load(), int64(0)
	if ctx == nil || fn == nil || !g.fast || ctx.Err() != nil {
		var err error
		if g, start, err = b.enter(ctx, fn == nil); err != nil {
			return err
		}
	}
	ended := false
	defer b.recordPanic(g, start, &ended)
	err := fn(ctx)
	ended = true
	if err != nil || !g.fast || !g.settled() {
		b.finishOther(g, start, err)
	}
	return err
}

// Execute is [Breaker.Do] for a function that returns a value with its
// error. When the call is rejected it returns the zero T and the error.
func Execute[T any](ctx context.Context, b *Breaker, fn func(context.Context) (T, error)) (T, error) {
	g, start := b.cur.Load(), int64(0)
	if ctx == nil || fn == nil || !g.fast || ctx.Err() != nil {
		var err error
		if g, start, err = b.enter(ctx, fn == nil); err != nil {
			var zero T
			return zero, err
		}
	}
	ended := false
	defer b.recordPanic(g, start, &ended)
	v, err := fn(ctx)
	ended = true
	if err != nil || !g.fast || !g.settled() {
		b.finishOther(g, start, err)
	}
	return v, err
}

// Allow is the two-step form of [Breaker.Do], for callers that cannot wrap
// the call in a function (an [net/http.RoundTripper] whose response body is
// read later, a stream). If the breaker lets the call through, Allow returns
// a done func and a nil error: call done exactly once with the call's
// outcome. Otherwise it returns a nil done and an [*OpenError].
//
// Allow does not allocate in the closed state. With [WithSlowCall], done
// carries the call's start time in a value that is reused once done has
// run: a second call of done is ignored until Allow hands the same done
// out again, and after that it would end that later call in its place. So
// do not call done twice, nor keep it after calling it.
func (b *Breaker) Allow() (done func(err error), err error) {
	g, start, err := b.admit()
	if err != nil {
		b.observeReject(context.Background(), err)
		return nil, err
	}
	if b.cfg.slowThreshold == 0 {
		return g.done, nil
	}
	return b.timedDone(g, start), nil
}

// timedDone returns the done func of a call admitted by g at start under
// the slow rule.
func (b *Breaker) timedDone(g *gen, start int64) func(error) {
	c := b.calls.Get().(*call)
	c.g, c.start = g, start
	c.live.Store(true)
	return c.done
}

// call is a call admitted by [Breaker.Allow] under the slow rule, which
// must know when it started. Calls are pooled, each with its done func made
// once, so that Allow does not allocate.
type call struct {
	b     *Breaker
	g     *gen
	start int64
	live  atomic.Bool // admitted, and done not called yet
	done  func(error) // c.end
}

func (b *Breaker) newCall() any {
	c := &call{b: b}
	c.done = c.end
	return c
}

// end records the outcome of c and puts c back in the pool; a call of an
// ended c does nothing. The fields are read only after live is taken, which
// orders them after the Allow that set them.
func (c *call) end(err error) {
	if !c.live.CompareAndSwap(true, false) {
		return
	}
	g, start := c.g, c.start
	c.g = nil
	c.b.calls.Put(c)
	c.b.finish(g, start, err)
}

// Name returns the name given by [WithName].
func (b *Breaker) Name() string { return b.cfg.name }

// State returns the breaker's state. An open breaker whose open duration
// has passed moves to half-open here, as it would on the next call.
func (b *Breaker) State() State {
	g := b.cur.Load()
	if g.state == StateOpen && b.now() >= g.openUntil {
		g = b.move(g, StateHalfOpen)
	}
	return g.state
}

// ForceOpen opens the breaker until [Breaker.Reset]: every call is
// rejected, no probe is made.
func (b *Breaker) ForceOpen() { b.move(nil, StateForcedOpen) }

// Disable lets every call through and records nothing until
// [Breaker.Reset]; the breaker cannot trip.
func (b *Breaker) Disable() { b.move(nil, StateDisabled) }

// Reset closes the breaker, from any state, with an empty window, no
// consecutive failures, and the open duration back to its first value. The
// totals of [Stats] (Trips, Rejected) are kept.
func (b *Breaker) Reset() { b.move(nil, StateClosed) }

// enter is the slow path of Do and Execute: it checks what they are given,
// then admits the call.
func (b *Breaker) enter(ctx context.Context, nilFunc bool) (*gen, int64, error) {
	if ctx == nil {
		return nil, 0, errNilContext
	}
	if nilFunc {
		return nil, 0, errNilFunc
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	g, start, err := b.admit()
	if err != nil {
		b.observeReject(ctx, err)
	}
	return g, start, err
}

// admit lets a call through, returning the gen that admitted it and its
// start time (when calls are timed), or rejects it.
func (b *Breaker) admit() (*gen, int64, error) {
	g := b.cur.Load()
	if !g.fast {
		return b.admitOther(g)
	}
	return g, 0, nil
}

func (b *Breaker) admitOther(g *gen) (*gen, int64, error) {
	for {
		switch g.state {
		case StateClosed:
			return g, b.start(), nil
		case StateDisabled:
			return g, 0, nil
		case StateHalfOpen:
			if !g.takeProbe(int64(b.cfg.probes)) {
				b.rejected.Add(1)
				return nil, 0, g.reject
			}
			return g, b.start(), nil
		case StateOpen:
			now := b.now()
			if now < g.openUntil {
				b.rejected.Add(1)
				return nil, 0, &OpenError{Name: b.cfg.name, State: StateOpen, Wait: time.Duration(g.openUntil - now)}
			}
			g = b.move(g, StateHalfOpen)
		default: // StateForcedOpen
			b.rejected.Add(1)
			return nil, 0, g.reject
		}
	}
}

// takeProbe takes one of the n probe places of a half-open gen.
func (g *gen) takeProbe(n int64) bool {
	for {
		p := g.probes.Load()
		if p >= n {
			return false
		}
		if g.probes.CompareAndSwap(p, p+1) {
			return true
		}
	}
}

// start returns the start time of a call, read only when calls are timed.
func (b *Breaker) start() int64 {
	if b.cfg.slowThreshold > 0 {
		return b.now()
	}
	return 0
}

// now returns the time in nanoseconds since the breaker was made.
func (b *Breaker) now() int64 {
	if b.cfg.clock != nil {
		return int64(b.cfg.clock.Now().Sub(b.base))
	}
	return int64(time.Since(b.base))
}

// finish records the outcome of a call admitted by g. The fast path, a
// success with nothing to record, only reads shared memory.
func (b *Breaker) finish(g *gen, start int64, err error) {
	if err != nil || !g.fast || !g.settled() {
		b.finishOther(g, start, err)
	}
}

// finishOther records the outcome of a call that was not a plain success
// in a fast gen (see gen.fast).
func (b *Breaker) finishOther(g *gen, start int64, err error) {
	b.record(g, start, b.mark(err))
}

// settled reports whether a success in fast gen g has nothing to record:
// there is no run of failures to end, no time window (every call counts
// there), and no count window or one that holds only successes (see
// [countWindow]). It only reads memory that successes do not write.
func (g *gen) settled() bool {
	return g.tw == nil && (g.cw == nil || g.cw.settled()) && g.consecutive.Load() == 0
}

// resetConsecutive ends a run of failures. It writes only when there is a
// run to end, so that successes leave the counter's cache line shared.
func (g *gen) resetConsecutive() {
	if g.consecutive.Load() != 0 {
		g.consecutive.Store(0)
	}
}

// recordPanic, deferred by Do and Execute, records a failure when fn did not
// return: it panicked (or called runtime.Goexit). It leaves the panic to go
// on.
func (b *Breaker) recordPanic(g *gen, start int64, ended *bool) {
	if !*ended {
		b.record(g, start, markCall|markFailure)
	}
}

// mark classifies err: 0 for an ignored error, else markCall, with
// markFailure for a failure.
func (b *Breaker) mark(err error) uint32 {
	switch {
	case err == nil:
		return markCall
	case b.cfg.ignored(err):
		return 0
	case b.cfg.failure(err):
		return markCall | markFailure
	}
	return markCall
}

// record records the outcome m of a call admitted by g at start, unless
// the state has changed since.
func (b *Breaker) record(g *gen, start int64, m uint32) {
	if b.cfg.observer != nil {
		b.observeRecord(m)
	}
	var now int64
	if b.clock {
		now = b.now()
		if m != 0 && b.cfg.slowThreshold > 0 && now-start > int64(b.cfg.slowThreshold) {
			m |= markSlow
		}
	}
	if b.cur.Load() != g {
		return
	}
	switch g.state {
	case StateClosed:
		b.recordClosed(g, now, m)
	case StateHalfOpen:
		b.recordProbe(g, m)
	}
}

func (b *Breaker) recordClosed(g *gen, now int64, m uint32) {
	if m == 0 || (m == markCall && g.settled()) {
		return
	}
	trip := false
	if m&markFailure != 0 {
		n := g.consecutive.Add(1)
		trip = b.cfg.consecutive > 0 && n >= int64(b.cfg.consecutive)
	} else {
		g.resetConsecutive()
	}
	switch {
	case g.cw != nil:
		if g.cw.add(m) && !trip {
			trip = b.exceeds(g.cw.counts())
		}
	case g.tw != nil:
		if g.tw.add(now, m) && !trip {
			trip = b.exceedsNow(g.tw, now)
		}
	}
	if trip {
		b.move(g, StateOpen)
	}
}

// exceeds reports whether the window's counts trip a rate rule.
func (b *Breaker) exceeds(c counts) bool {
	if c.calls < int64(b.cfg.minCalls) {
		return false
	}
	return rateReached(c.failures, c.calls, b.cfg.failureRate) ||
		rateReached(c.slow, c.calls, b.cfg.slowRate)
}

// exceedsNow reports whether the counts of time window w at now trip a
// rate rule. When they do not, and the window holds the minimum of calls,
// it marks the period quiet (see [timeWindow]).
func (b *Breaker) exceedsNow(w *timeWindow, now int64) bool {
	c := w.recent(now)
	if b.exceeds(c) {
		return true
	}
	if c.calls >= int64(b.cfg.minCalls) {
		w.markQuiet(now)
	}
	return false
}

// rateReached reports whether n of calls reaches threshold, a rule that is
// off when threshold is 0.
func rateReached(n, calls int64, threshold float64) bool {
	return threshold > 0 && float64(n)/float64(calls) >= threshold
}

func (b *Breaker) recordProbe(g *gen, m uint32) {
	switch {
	case m == 0:
		g.probes.Add(-1) // ignored: the place goes to another probe
	case m != markCall:
		b.move(g, StateOpen) // failed or slow
	case g.successes.Add(1) == int64(b.cfg.successes):
		b.move(g, StateClosed)
	}
}

// move changes the state to `to` if from is still the current gen (a nil
// from: whatever is current, unless it is already in the state `to`, which
// Reset renews all the same). It runs the hooks, and returns the gen now
// current.
func (b *Breaker) move(from *gen, to State) *gen {
	b.mu.Lock()
	cur := b.cur.Load()
	if (from != nil && cur != from) || (from == nil && cur.state == to && to != StateClosed) {
		b.mu.Unlock()
		return cur
	}
	now := b.now()
	var openUntil int64
	switch to {
	case StateOpen:
		openUntil = addSat(now, openDuration(&b.cfg, b.level, rand.Float64()))
		b.level++
		b.trips++
	case StateClosed:
		b.level = 0
	}
	next := b.newGen(to, now, openUntil, cur)
	b.cur.Store(next)
	if cur.state != to && len(b.cfg.onStateChange) > 0 {
		b.pending = append(b.pending, change{cur.state, to})
	}
	b.mu.Unlock()
	b.deliver()
	return next
}

func (b *Breaker) newGen(s State, now, openUntil int64, prev *gen) *gen {
	g := &gen{state: s, since: now, openUntil: openUntil}
	switch s {
	case StateClosed:
		if b.cfg.countWindow > 0 {
			g.cw = newCountWindow(b.cfg.countWindow)
		} else if b.cfg.timeWindow > 0 {
			g.tw = newTimeWindow(int64(b.cfg.timeWindow)/int64(b.cfg.buckets), b.cfg.buckets)
		}
		g.fast = b.cfg.slowThreshold == 0 && b.cfg.observer == nil
		g.metrics = g
	case StateHalfOpen, StateForcedOpen:
		g.reject = &OpenError{Name: b.cfg.name, State: s}
	case StateDisabled:
		g.fast = b.cfg.observer == nil
	}
	if g.metrics == nil {
		g.metrics = prev.metrics
	}
	g.done = func(err error) { b.finish(g, 0, err) }
	return g
}

// openDuration returns how long the breaker stays open on the trip that
// follows level trips without a recovery, given r, a random number in
// [0, 1) that draws the jitter. It saturates: the result is in [0,
// backoffMax] whatever the level, even where openDuration * multiplier^level
// is beyond a Duration or +Inf.
func openDuration(c *config, level int, r float64) time.Duration {
	if c.backoffMax == 0 {
		return c.openDuration
	}
	d := float64(c.openDuration) * math.Pow(c.backoffMult, float64(level))
	if !(d < float64(c.backoffMax)) { // also +Inf and NaN
		d = float64(c.backoffMax)
	}
	return min(fromFloat(d-d*c.backoffJitter*r), c.backoffMax)
}

// fromFloat converts d, in nanoseconds, to a Duration, saturating at 0 and
// at the largest Duration; a conversion of a float64 out of range is not
// defined in Go (on amd64 it gives the smallest int64).
func fromFloat(d float64) time.Duration {
	switch {
	case d > 0 && d < math.MaxInt64: // float64(math.MaxInt64) is 2^63
		return time.Duration(d)
	case d > 0 || math.IsNaN(d): // NaN: too large rather than too small
		return math.MaxInt64
	}
	return 0
}

// addSat returns now + d, saturating at the largest int64: an open
// duration too long for the clock's range means open for as long as it can
// tell. now and d are >= 0.
func addSat(now int64, d time.Duration) int64 {
	if int64(d) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(d)
}

// deliver runs the hooks of the pending changes in order, outside the
// lock. One goroutine at a time delivers: a change made while another
// goroutine delivers (by a hook, too) is left for it, so hooks never run
// concurrently nor out of order, and a hook may call the breaker.
func (b *Breaker) deliver() {
	b.mu.Lock()
	if b.delivering || len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	b.delivering = true
	ended := false
	defer func() {
		if !ended { // a hook panicked: the next change delivers the rest
			b.mu.Lock()
			b.delivering = false
			b.mu.Unlock()
		}
	}()
	for len(b.pending) > 0 {
		c := b.pending[0]
		b.pending = append(b.pending[:0], b.pending[1:]...)
		b.mu.Unlock()
		for _, f := range b.cfg.onStateChange {
			f(b.cfg.name, c.from, c.to)
		}
		b.mu.Lock()
	}
	b.delivering = false
	ended = true
	b.mu.Unlock()
}
