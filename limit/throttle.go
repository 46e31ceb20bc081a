package limit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// throttleBuckets is the number of buckets the throttle's window is cut
// into: counts leave the window a tenth of it at a time.
const throttleBuckets = 10

// Throttle is the client-side adaptive throttle of Google's SRE book
// ("Handling Overload"): it counts, over a sliding window, the calls it
// was asked to make (requests) and those the dependency accepted (accepts,
// calls released without an overload error, see [WithIsOverload]), and
// rejects a new call locally with probability
//
//	max(0, (requests − K·accepts) / (requests + 1))
//
// While the dependency accepts every call nothing is rejected; when it
// starts to refuse, the caller sends it only about K times what it
// accepts, and the rest fail at once, without a round trip. Unlike a
// circuit breaker it never cuts the dependency off: it suits a dependency
// that is overloaded rather than down.
//
// A Throttle never waits: Acquire and TryAcquire decide at once. It is
// safe for concurrent use; a decision reads the clock once, takes one lock
// (and one more to release) and allocates nothing.
type Throttle struct {
	mu        sync.Mutex
	cfg       config
	base      time.Time
	width     int64 // a bucket's span, ns
	bucket    int64 // the index (now / width) of the newest bucket
	requests  [throttleBuckets]float64
	accepts   [throttleBuckets]float64
	totalReq  float64
	totalAcc  float64
	rejectErr *LimitedError
	rejected  uint64
	rnd       *rand.Rand // nil: math/rand/v2's global source
}

var _ Limiter = (*Throttle)(nil)

// NewThrottle returns a Throttle with K = [DefaultK] over
// [DefaultThrottleWindow], unless [WithK] and [WithThrottleWindow] say
// otherwise.
func NewThrottle(opts ...ThrottleOption) (*Throttle, error) {
	c := defaultConfig()
	if err := apply(&c, opts, func(o ThrottleOption) func(*config) error { return o.throttle }); err != nil {
		return nil, err
	}
	t := &Throttle{cfg: c, base: c.wallNow(), width: max(int64(c.throttleWindow)/throttleBuckets, 1)}
	t.rejectErr = &LimitedError{By: "throttle", After: c.retryAfter}
	if c.throttleRand != nil {
		t.rnd = rand.New(c.throttleRand)
	}
	return t, nil
}

// WithK sets the throttle's K (default [DefaultK]): it lets through about
// K times as many calls as the dependency accepts. Smaller is more
// aggressive; 2 is the SRE book's choice. k must be >= 1.
func WithK(k float64) ThrottleOption {
	return throttleOption(func(c *config) error {
		if !(k >= 1) {
			return fmt.Errorf("limit: WithK must be >= 1, got %v", k)
		}
		c.k = k
		return nil
	})
}

// WithThrottleWindow sets the span over which the throttle counts requests
// and accepts (default [DefaultThrottleWindow]). d must be >= 10ns.
func WithThrottleWindow(d time.Duration) ThrottleOption {
	return throttleOption(func(c *config) error {
		if d < throttleBuckets {
			return fmt.Errorf("limit: WithThrottleWindow must be >= %v, got %v", time.Duration(throttleBuckets), d)
		}
		c.throttleWindow = d
		return nil
	})
}

// WithThrottleRand makes the throttle draw its rejections from src
// instead of math/rand/v2's global source, for deterministic tests and
// simulations (package sim passes its run's source). The throttle draws
// under its lock, so src need not be safe for concurrent use. src must
// not be nil.
func WithThrottleRand(src rand.Source) ThrottleOption {
	return throttleOption(func(c *config) error {
		if src == nil {
			return errors.New("limit: WithThrottleRand: source must not be nil")
		}
		c.throttleRand = src
		return nil
	})
}

// RejectProbability is the SRE book's rule: the probability of rejecting a
// call after requests calls of which accepts were accepted, with
// multiplier k.
func RejectProbability(requests, accepts, k float64) float64 {
	return max(0, (requests-k*accepts)/(requests+1))
}

// Acquire decides at once: it returns a [Permit] to release with the
// call's outcome, or an error matching [ErrLimited] when the call is
// throttled, or ctx's error if ctx has ended.
func (t *Throttle) Acquire(ctx context.Context) (Permit, error) {
	if ctx == nil {
		return Permit{}, errNilContext
	}
	if err := ctx.Err(); err != nil {
		return Permit{}, err
	}
	return t.TryAcquire()
}

// TryAcquire is [Throttle.Acquire] without a ctx.
func (t *Throttle) TryAcquire() (Permit, error) {
	now := t.since()
	t.mu.Lock()
	t.advanceLocked(now)
	p := RejectProbability(t.totalReq, t.totalAcc, t.cfg.k)
	t.requests[t.bucket%throttleBuckets]++
	t.totalReq++
	if p > 0 && t.draw() < p {
		t.rejected++
		t.mu.Unlock()
		return Permit{}, t.rejectErr
	}
	t.mu.Unlock()
	return Permit{r: t, start: now}, nil
}

// draw returns a number in [0, 1) from the throttle's source; t.mu is
// held.
func (t *Throttle) draw() float64 {
	if t.rnd == nil {
		return rand.Float64()
	}
	return t.rnd.Float64()
}

// Do runs fn under [Throttle.Acquire] and releases its Permit with fn's
// error. If fn panics, the call counts as not accepted and the panic goes
// on.
func (t *Throttle) Do(ctx context.Context, fn func(context.Context) error) error {
	if ctx == nil {
		return errNilContext
	}
	if fn == nil {
		return errNilFunc
	}
	p, err := t.Acquire(ctx)
	if err != nil {
		return err
	}
	return do(ctx, p, fn)
}

// ThrottleStats is a snapshot of a [Throttle]'s window.
type ThrottleStats struct {
	// Requests and Accepts are the counts in the window now.
	Requests, Accepts float64
	// Probability is the probability of rejecting the next call.
	Probability float64
	// Rejected is the number of calls throttled since the start.
	Rejected uint64
}

// Stats returns a snapshot of the throttle's window.
func (t *Throttle) Stats() ThrottleStats {
	now := t.since()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.advanceLocked(now)
	return ThrottleStats{
		Requests:    t.totalReq,
		Accepts:     t.totalAcc,
		Probability: RejectProbability(t.totalReq, t.totalAcc, t.cfg.k),
		Rejected:    t.rejected,
	}
}

// release counts an accept in the bucket of its request (so it reads no
// clock), unless that bucket has left the window.
func (t *Throttle) release(start int64, err error) {
	if t.cfg.overload(err) {
		return
	}
	b := start / t.width
	t.mu.Lock()
	if b > t.bucket-throttleBuckets {
		t.accepts[b%throttleBuckets]++
		t.totalAcc++
	}
	t.mu.Unlock()
}

// advanceLocked moves the window to now, dropping the buckets that left it.
func (t *Throttle) advanceLocked(now int64) {
	b := now / t.width
	if b <= t.bucket {
		return
	}
	for i := t.bucket + 1; i <= b && i <= t.bucket+throttleBuckets; i++ {
		j := i % throttleBuckets
		t.totalReq -= t.requests[j]
		t.totalAcc -= t.accepts[j]
		t.requests[j], t.accepts[j] = 0, 0
	}
	t.bucket = b
	t.totalReq, t.totalAcc = max(t.totalReq, 0), max(t.totalAcc, 0)
}
