package limit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Defaults of the limiters built without options.
const (
	// DefaultRetryAfter is the retry-after hint of a rejection
	// ([LimitedError.RetryAfter]) when [WithRetryAfter] is not given.
	DefaultRetryAfter = time.Second
	// DefaultMinLimit is the lowest an adaptive limit goes ([WithLimits]).
	DefaultMinLimit = 1
	// DefaultMaxLimit is the highest an adaptive limit goes ([WithLimits]).
	DefaultMaxLimit = 1000
	// DefaultInitialLimit is an adaptive limit's starting value (capped
	// by the bounds).
	DefaultInitialLimit = 20
	// DefaultWindow is how long an adaptive limiter gathers samples
	// before it moves its limit.
	DefaultWindow = 250 * time.Millisecond
	// DefaultMinSamples is the number of samples a window needs before
	// the limit moves on it.
	DefaultMinSamples = 10
	// DefaultBackoff is the factor an AIMD limit is multiplied by on
	// overload.
	DefaultBackoff = 0.9
	// DefaultAlpha is Vegas's lower bound on the queue it estimates at
	// the dependency, in calls: below it the limit grows ([WithQueue]).
	DefaultAlpha = 3
	// DefaultBeta is Vegas's upper bound on that queue: above it the
	// limit shrinks.
	DefaultBeta = 6
	// DefaultK is the throttle's multiplier K: it starts to reject once
	// requests exceed K times the accepts.
	DefaultK = 2.0
	// DefaultThrottleWindow is the span over which the throttle counts
	// requests and accepts.
	DefaultThrottleWindow = 2 * time.Minute
)

// A BulkheadOption configures [NewBulkhead].
type BulkheadOption interface {
	bulkhead(*config) error
}

// An AdaptiveOption configures [NewAIMD] and [NewVegas] (every option
// that both read is an AdaptiveOption).
type AdaptiveOption interface {
	AIMDOption
	VegasOption
}

// An AIMDOption configures [NewAIMD].
type AIMDOption interface {
	aimd(*config) error
}

// A VegasOption configures [NewVegas].
type VegasOption interface {
	vegas(*config) error
}

// A ThrottleOption configures [NewThrottle].
type ThrottleOption interface {
	throttle(*config) error
}

// config holds the options of every limiter; each reads its own.
type config struct {
	maxWaiting int
	maxWait    time.Duration // 0: only ctx bounds a wait
	lifo       bool
	retryAfter time.Duration

	initial, minLimit, maxLimit int
	window                      time.Duration
	minSamples                  int
	isOverload                  func(error) bool
	onLimit                     func(from, to int)

	threshold time.Duration // AIMD: a slower call is an overload; 0: off
	backoff   float64
	alpha     int
	beta      int

	k              float64
	throttleWindow time.Duration
	throttleRand   rand.Source // nil: math/rand/v2's global source

	clock Clock // nil: package time
}

func defaultConfig() config {
	return config{
		retryAfter: DefaultRetryAfter,
		initial:    -1, minLimit: DefaultMinLimit, maxLimit: DefaultMaxLimit,
		window: DefaultWindow, minSamples: DefaultMinSamples,
		backoff: DefaultBackoff, alpha: DefaultAlpha, beta: DefaultBeta,
		k: DefaultK, throttleWindow: DefaultThrottleWindow,
	}
}

// overload reports whether a call's outcome err says the dependency is
// overloaded.
func (c *config) overload(err error) bool {
	if err == nil {
		return false
	}
	if c.isOverload != nil {
		return c.isOverload(err)
	}
	return !errors.Is(err, context.Canceled)
}

// completeAdaptive sets the initial limit, or checks the one given
// against the bounds.
func (c *config) completeAdaptive() error {
	if c.initial < 0 {
		c.initial = min(max(DefaultInitialLimit, c.minLimit), c.maxLimit)
	}
	if c.initial < c.minLimit || c.initial > c.maxLimit {
		return fmt.Errorf("limit: WithInitialLimit %d is outside WithLimits [%d, %d]", c.initial, c.minLimit, c.maxLimit)
	}
	return nil
}

// apply runs the options through get, which picks each one's method.
func apply[O any](c *config, opts []O, get func(O) func(*config) error) error {
	for _, o := range opts {
		var f func(*config) error
		if any(o) != nil {
			f = get(o)
		}
		if f == nil {
			return errors.New("limit: nil Option")
		}
		if err := f(c); err != nil {
			return err
		}
	}
	return nil
}

// Option kinds: each implements the families of the limiters that read it.
type (
	waitOption     func(*config) error // Bulkhead, AIMD, Vegas
	commonOption   func(*config) error // Bulkhead, AIMD, Vegas, Throttle
	adaptiveOption func(*config) error // AIMD, Vegas
	overloadOption func(*config) error // AIMD, Vegas, Throttle
	aimdOption     func(*config) error
	vegasOption    func(*config) error
	throttleOption func(*config) error
)

func (o waitOption) bulkhead(c *config) error     { return o(c) }
func (o waitOption) aimd(c *config) error         { return o(c) }
func (o waitOption) vegas(c *config) error        { return o(c) }
func (o commonOption) bulkhead(c *config) error   { return o(c) }
func (o commonOption) aimd(c *config) error       { return o(c) }
func (o commonOption) vegas(c *config) error      { return o(c) }
func (o commonOption) throttle(c *config) error   { return o(c) }
func (o adaptiveOption) aimd(c *config) error     { return o(c) }
func (o adaptiveOption) vegas(c *config) error    { return o(c) }
func (o overloadOption) aimd(c *config) error     { return o(c) }
func (o overloadOption) vegas(c *config) error    { return o(c) }
func (o overloadOption) throttle(c *config) error { return o(c) }
func (o aimdOption) aimd(c *config) error         { return o(c) }
func (o vegasOption) vegas(c *config) error       { return o(c) }
func (o throttleOption) throttle(c *config) error { return o(c) }

// WaitOption is an option read by [NewBulkhead], [NewAIMD] and [NewVegas]:
// how calls wait for a place.
type WaitOption interface {
	BulkheadOption
	AdaptiveOption
}

// WithMaxWaiting lets up to n calls wait for a place when every place is
// taken (default 0: a call that finds no place is rejected at once). The
// call after the n-th is rejected at once. n must be >= 0.
func WithMaxWaiting(n int) WaitOption {
	return waitOption(func(c *config) error {
		if n < 0 {
			return fmt.Errorf("limit: WithMaxWaiting must be >= 0, got %d", n)
		}
		c.maxWaiting = n
		return nil
	})
}

// WithMaxWait bounds how long a call waits for a place (see
// [WithMaxWaiting]); a call still waiting after d is rejected with an error
// matching [ErrLimited]. Default 0: a wait ends only with a place or with
// its ctx. d must be >= 0.
func WithMaxWait(d time.Duration) WaitOption {
	return waitOption(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("limit: WithMaxWait must be >= 0, got %v", d)
		}
		c.maxWait = d
		return nil
	})
}

// WithLIFO makes the most recent waiting call take the next free place
// (default: the oldest, FIFO). Under overload LIFO keeps latency low for
// most calls: fresh calls are served while their callers still wait,
// and the oldest, whose callers have likely given up, reach their max wait.
func WithLIFO() WaitOption {
	return waitOption(func(c *config) error {
		c.lifo = true
		return nil
	})
}

// CommonOption is an option read by every limiter.
type CommonOption interface {
	WaitOption
	ThrottleOption
}

// WithRetryAfter sets the hint carried by rejections
// ([LimitedError.RetryAfter]); default [DefaultRetryAfter]. d must be >= 0.
func WithRetryAfter(d time.Duration) CommonOption {
	return commonOption(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("limit: WithRetryAfter must be >= 0, got %v", d)
		}
		c.retryAfter = d
		return nil
	})
}

// OverloadOption is an option read by [NewAIMD], [NewVegas] and
// [NewThrottle].
type OverloadOption interface {
	AdaptiveOption
	ThrottleOption
}

// WithIsOverload classifies the outcome passed to [Permit.Release]: f(err)
// reports whether a non-nil err says the dependency is overloaded (an AIMD
// or Vegas limit shrinks; the throttle counts the call as not accepted).
// By default every error is, except one matching [context.Canceled] (the
// caller gave up, which says nothing of the dependency). Give f to leave
// out errors the dependency returns when healthy (a 404, a validation
// error). f must not be nil.
func WithIsOverload(f func(err error) bool) OverloadOption {
	return overloadOption(func(c *config) error {
		if f == nil {
			return errors.New("limit: WithIsOverload: nil func")
		}
		c.isOverload = f
		return nil
	})
}
