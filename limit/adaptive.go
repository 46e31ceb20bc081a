package limit

import (
	"context"
	"errors"
)

// Adaptive is a concurrency limit that finds itself: it lets at most
// [Adaptive.Limit] calls run at once, as a [Bulkhead] does, and moves that
// limit, between the bounds of [WithLimits], with the latency and the
// outcomes of the calls it admitted. Build one with [NewAIMD] or
// [NewVegas]; the package comment compares them.
//
// The limit moves once per window ([WithWindow]), on what the window's
// samples say, and never grows on a window whose calls in flight stayed
// below half the limit: a limiter far from its limit learns nothing about
// where the dependency's knee is, so such samples must not push it up.
//
// An Adaptive is safe for concurrent use. Acquire and release read the
// clock once each, take one lock each and allocate nothing.
type Adaptive struct {
	g   gate
	cfg config
	alg algorithm
	by  string

	limitF float64 // AIMD's limit, with the fraction its backoff leaves
	win    window
	base   baseline // Vegas: the latency without a queue
}

// algorithm names the rule that moves the limit.
type algorithm int

const (
	algAIMD algorithm = iota
	algVegas
)

// window gathers the samples of one window.
type window struct {
	start       int64
	n           int
	sum         int64 // latencies, ns
	least       int64 // the smallest latency, ns
	inflight    int   // the sum over samples of the calls in flight
	maxInflight int
	overloads   int
}

var _ Limiter = (*Adaptive)(nil)

// NewAIMD returns an [Adaptive] limiter whose limit grows by one per window
// while calls succeed (additive increase) and is multiplied by
// [WithBackoff] on a window with an overload: an error that
// [WithIsOverload] reports, or an average latency above
// [WithLatencyThreshold] (multiplicative decrease).
func NewAIMD(opts ...AIMDOption) (*Adaptive, error) {
	c := defaultConfig()
	if err := apply(&c, opts, func(o AIMDOption) func(*config) error { return o.aimd }); err != nil {
		return nil, err
	}
	return newAdaptive(c, algAIMD, "aimd")
}

// NewVegas returns an [Adaptive] limiter in the manner of TCP Vegas: it
// takes the smallest latency of its recent windows (the last 120 to 240)
// as the dependency's latency without a queue, estimates from each window how many calls wait in a
// queue there (calls in flight × (1 − that latency / the window's smallest)), and
// grows the limit while that queue is below alpha, shrinks it above beta
// ([WithQueue]). Overload errors ([WithIsOverload]) shrink it as in AIMD.
func NewVegas(opts ...VegasOption) (*Adaptive, error) {
	c := defaultConfig()
	if err := apply(&c, opts, func(o VegasOption) func(*config) error { return o.vegas }); err != nil {
		return nil, err
	}
	return newAdaptive(c, algVegas, "vegas")
}

func newAdaptive(c config, alg algorithm, by string) (*Adaptive, error) {
	if err := c.completeAdaptive(); err != nil {
		return nil, err
	}
	a := &Adaptive{cfg: c, alg: alg, by: by, limitF: float64(c.initial)}
	a.g.init(c.initial, &c, &LimitedError{By: by, After: c.retryAfter}, c.wallNow())
	a.win.reset(0)
	a.base.reset()
	return a, nil
}

// Acquire admits a call, waiting for a place if the limit is reached and
// waiting is allowed ([WithMaxWaiting]). It returns a [Permit] to release
// with the call's outcome; or an error matching [ErrLimited]; or ctx's
// error when ctx ends first.
func (a *Adaptive) Acquire(ctx context.Context) (Permit, error) {
	if ctx == nil {
		return Permit{}, errNilContext
	}
	if err := a.g.acquire(ctx); err != nil {
		return Permit{}, err
	}
	return Permit{r: a, start: a.g.now()}, nil
}

// TryAcquire admits a call if it is under the limit now, and never waits;
// else it returns an error matching [ErrLimited].
func (a *Adaptive) TryAcquire() (Permit, error) {
	if err := a.g.try(); err != nil {
		return Permit{}, err
	}
	return Permit{r: a, start: a.g.now()}, nil
}

// Do runs fn under [Adaptive.Acquire] and releases its Permit with fn's
// error, which the limiter learns from. If fn panics, the call counts as
// an overload and the panic goes on.
func (a *Adaptive) Do(ctx context.Context, fn func(context.Context) error) error {
	if ctx == nil {
		return errNilContext
	}
	if fn == nil {
		return errNilFunc
	}
	p, err := a.Acquire(ctx)
	if err != nil {
		return err
	}
	return do(ctx, p, fn)
}

// Limit returns the limit now.
func (a *Adaptive) Limit() int {
	a.g.mu.Lock()
	defer a.g.mu.Unlock()
	return a.g.limit
}

// Stats returns a snapshot of the limiter's counts; Limit is the limit now.
func (a *Adaptive) Stats() Stats {
	a.g.mu.Lock()
	defer a.g.mu.Unlock()
	return a.g.statsLocked()
}

func (a *Adaptive) release(start int64, err error) {
	now := a.g.now()
	a.g.mu.Lock()
	from := a.g.limit
	if a.g.inflight > 0 && !errors.Is(err, context.Canceled) {
		a.sampleLocked(now, now-start, err)
	}
	to := a.g.limit
	a.g.releaseLocked()
	a.g.mu.Unlock()
	if from != to && a.cfg.onLimit != nil {
		a.cfg.onLimit(from, to)
	}
}

// sampleLocked adds a call of latency rtt to the window, and moves the
// limit when the window is complete.
func (a *Adaptive) sampleLocked(now, rtt int64, err error) {
	w := &a.win
	w.n++
	w.sum += rtt
	w.least = min(w.least, rtt)
	w.inflight += a.g.inflight
	w.maxInflight = max(w.maxInflight, a.g.inflight)
	if a.cfg.overload(err) {
		w.overloads++
	}
	if now-w.start < int64(a.cfg.window) || w.n < a.cfg.minSamples {
		return
	}
	var next float64
	if a.alg == algAIMD {
		next = a.aimd(w)
	} else {
		next = a.vegas(w)
	}
	a.setLimitLocked(next)
	w.reset(now)
}

func (w *window) reset(now int64) {
	*w = window{start: now, least: 1<<63 - 1}
}

// utilized reports whether the window's calls reached half the limit, so
// that it may push the limit up.
func (a *Adaptive) utilized(w *window) bool {
	return 2*w.maxInflight >= a.g.limit
}

// aimd returns the next limit under AIMD.
func (a *Adaptive) aimd(w *window) float64 {
	avg := w.sum / int64(w.n)
	if w.overloads > 0 || (a.cfg.threshold > 0 && avg > int64(a.cfg.threshold)) {
		return a.limitF * a.cfg.backoff
	}
	if a.utilized(w) {
		return a.limitF + 1
	}
	return a.limitF
}

// vegas returns the next limit under Vegas.
func (a *Adaptive) vegas(w *window) float64 {
	base := a.base.add(w.least)
	limit := float64(a.g.limit)
	if w.overloads > 0 {
		return limit * DefaultBackoff
	}
	// The window's smallest latency, not its average, against the
	// baseline, the smallest of recent windows: both are minimums over
	// many samples, so the noise of scheduling and of the network, which
	// lengthens some calls of every window, cancels out instead of
	// reading as a queue.
	inflight := float64(w.inflight) / float64(w.n)
	queue := inflight * (1 - float64(base)/float64(w.least))
	switch {
	case queue > float64(a.cfg.beta):
		// Shrink by half the excess: fast from far above, gentle near.
		return limit - max(1, (queue-float64(a.cfg.beta))/2)
	case queue >= float64(a.cfg.alpha) || !a.utilized(w):
		return limit
	case queue < 1:
		// No queue at all: far from the knee, grow by a tenth (Vegas's
		// known slow ramp comes from growing by one at every distance).
		return limit + max(1, limit/10)
	}
	return limit + 1
}

// setLimitLocked moves the limit to next, within the bounds, and gives any
// new places to waiters.
func (a *Adaptive) setLimitLocked(next float64) {
	next = min(max(next, float64(a.cfg.minLimit)), float64(a.cfg.maxLimit))
	a.limitF = next
	a.g.limit = int(next)
	a.g.grantLocked()
}
