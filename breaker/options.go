package breaker

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Defaults of a [Breaker] built without options.
const (
	// DefaultConsecutiveFailures is the trip rule used when no rule is
	// given: the breaker opens after this many failures in a row.
	DefaultConsecutiveFailures = 5
	// DefaultOpenDuration is how long the breaker stays open before it
	// lets a probe through.
	DefaultOpenDuration = 10 * time.Second
	// DefaultCountWindow is the size of the sliding window, in calls, used
	// by [WithFailureRate] and [WithSlowCall] when no window is given.
	DefaultCountWindow = 100
	// DefaultMinimumCalls is the number of calls the window must hold
	// before a rate can trip the breaker (capped at the size of a count
	// window).
	DefaultMinimumCalls = 20
	// DefaultHalfOpenProbes is the number of probe calls let through in
	// the half-open state.
	DefaultHalfOpenProbes = 1
)

// Limits on window sizes, so that a window's memory stays bounded.
const (
	// MaxCountWindow is the largest window accepted by [WithCountWindow].
	MaxCountWindow = 1 << 20
	// MaxBuckets is the largest number of buckets accepted by
	// [WithTimeWindow].
	MaxBuckets = 1 << 12
)

// An Option configures [New]. A bad value makes New return an error that
// names the option and the value.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is the whole of a Breaker's configuration, fixed by New.
type config struct {
	name          string
	consecutive   int     // 0: rule off
	failureRate   float64 // 0: rule off
	slowThreshold time.Duration
	slowRate      float64 // 0: rule off
	countWindow   int
	timeWindow    time.Duration
	buckets       int
	minCalls      int
	openDuration  time.Duration
	backoffMax    time.Duration // 0: fixed open duration
	backoffMult   float64
	backoffJitter float64
	probes        int
	successes     int
	isFailure     func(error) bool
	isIgnored     func(error) bool
	onStateChange []func(name string, from, to State)
	observer      Observer
	clock         Clock // nil: package time
}

func newConfig(opts []Option) (config, error) {
	c := config{openDuration: -1}
	for _, o := range opts {
		if o == nil {
			return config{}, errors.New("breaker: nil Option")
		}
		if err := o.apply(&c); err != nil {
			return config{}, err
		}
	}
	if err := c.complete(); err != nil {
		return config{}, err
	}
	return c, nil
}

// complete fills in the defaults and checks the options against one another.
func (c *config) complete() error {
	if c.consecutive == 0 && c.failureRate == 0 && c.slowRate == 0 {
		c.consecutive = DefaultConsecutiveFailures
	}
	if c.countWindow > 0 && c.timeWindow > 0 {
		return errors.New("breaker: WithCountWindow and WithTimeWindow cannot be combined")
	}
	if (c.failureRate > 0 || c.slowRate > 0) && c.countWindow == 0 && c.timeWindow == 0 {
		c.countWindow = DefaultCountWindow
	}
	if err := c.completeMinCalls(); err != nil {
		return err
	}
	if c.openDuration < 0 {
		c.openDuration = DefaultOpenDuration
	}
	if c.backoffMax > 0 && c.backoffMax < c.openDuration {
		return fmt.Errorf("breaker: WithOpenBackoff: max %v is below the open duration %v", c.backoffMax, c.openDuration)
	}
	if c.backoffMax > 0 && c.openDuration == 0 {
		return errors.New("breaker: WithOpenBackoff: an open duration of 0 (WithOpenDuration(0)) cannot grow")
	}
	return c.completeProbes()
}

func (c *config) completeMinCalls() error {
	if c.minCalls == 0 {
		c.minCalls = DefaultMinimumCalls
		if c.countWindow > 0 {
			c.minCalls = min(c.minCalls, c.countWindow)
		}
		return nil
	}
	if c.countWindow > 0 && c.minCalls > c.countWindow {
		return fmt.Errorf("breaker: WithMinimumCalls: %d calls never fit in a window of %d (WithCountWindow)", c.minCalls, c.countWindow)
	}
	return nil
}

func (c *config) completeProbes() error {
	if c.probes == 0 {
		c.probes = DefaultHalfOpenProbes
	}
	if c.successes == 0 {
		c.successes = c.probes
	}
	if c.successes > c.probes {
		return fmt.Errorf("breaker: WithHalfOpenSuccesses: %d successes need as many probes, but WithHalfOpenProbes is %d", c.successes, c.probes)
	}
	return nil
}

// failure reports whether a non-nil err is recorded as a failure, as
// opposed to a success.
func (c *config) failure(err error) bool {
	if c.isFailure == nil {
		return true
	}
	return c.isFailure(err)
}

// ignored reports whether a non-nil err is left out of the record.
func (c *config) ignored(err error) bool {
	if c.isIgnored == nil {
		return errors.Is(err, context.Canceled)
	}
	return c.isIgnored(err)
}

func validRate(r float64) bool { return r > 0 && r <= 1 }

// WithName names the breaker. The name is passed to the hooks of
// [WithOnStateChange] and appears in [OpenError] and its message.
func WithName(name string) Option {
	return optionFunc(func(c *config) error {
		c.name = name
		return nil
	})
}

// WithConsecutiveFailures trips the breaker after n failures in a row
// (n >= 1). A success, however slow, resets the count; an ignored call
// does not.
//
// When no trip rule is given at all, the breaker uses this rule with
// [DefaultConsecutiveFailures]; when [WithFailureRate] or [WithSlowCall] is
// given, this rule applies only if it is given too.
func WithConsecutiveFailures(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("breaker: WithConsecutiveFailures: n must be >= 1, got %d", n)
		}
		c.consecutive = n
		return nil
	})
}

// WithFailureRate trips the breaker when the share of failures among the
// calls in the sliding window reaches threshold, in (0, 1], once the window
// holds at least the minimum number of calls ([WithMinimumCalls]). The
// window is [WithCountWindow] or [WithTimeWindow], by default a count
// window of [DefaultCountWindow] calls.
func WithFailureRate(threshold float64) Option {
	return optionFunc(func(c *config) error {
		if !validRate(threshold) {
			return fmt.Errorf("breaker: WithFailureRate: threshold must be in (0, 1], got %v", threshold)
		}
		c.failureRate = threshold
		return nil
	})
}

// WithSlowCall counts a call that takes longer than threshold as slow,
// whether it succeeds or fails, and trips the breaker when the share of slow
// calls in the sliding window reaches rate, in (0, 1], once the window holds
// at least the minimum number of calls. In the half-open state a slow probe
// is a failed probe.
//
// Timing a call costs two readings of the clock (20 to 40ns each); without this
// option the closed state reads no clock, unless [WithTimeWindow] is set.
func WithSlowCall(threshold time.Duration, rate float64) Option {
	return optionFunc(func(c *config) error {
		if threshold <= 0 {
			return fmt.Errorf("breaker: WithSlowCall: threshold must be > 0, got %v", threshold)
		}
		if !validRate(rate) {
			return fmt.Errorf("breaker: WithSlowCall: rate must be in (0, 1], got %v", rate)
		}
		c.slowThreshold, c.slowRate = threshold, rate
		return nil
	})
}

// WithCountWindow makes the sliding window the last n recorded calls,
// n in [1, [MaxCountWindow]]. It costs 4 bytes per call of the window.
func WithCountWindow(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 || n > MaxCountWindow {
			return fmt.Errorf("breaker: WithCountWindow: size must be in [1, %d], got %d", MaxCountWindow, n)
		}
		c.countWindow = n
		return nil
	})
}

// WithTimeWindow makes the sliding window the calls recorded in the last d,
// kept in buckets of d/buckets each (buckets in [1, [MaxBuckets]]). The
// window moves a bucket at a time: it holds the current bucket and the
// buckets-1 before it, so it spans between d-d/buckets and d. More buckets
// make it slide more smoothly; each costs 24 bytes and 8 more per processor
// ([runtime.GOMAXPROCS]) for the striped count of its calls (the window adds
// a cache line per processor), and a few nanoseconds whenever the rates are
// evaluated.
//
// A time window reads the clock once per call.
func WithTimeWindow(d time.Duration, buckets int) Option {
	return optionFunc(func(c *config) error {
		if buckets < 1 || buckets > MaxBuckets {
			return fmt.Errorf("breaker: WithTimeWindow: buckets must be in [1, %d], got %d", MaxBuckets, buckets)
		}
		if d <= 0 || d/time.Duration(buckets) == 0 {
			return fmt.Errorf("breaker: WithTimeWindow: duration must be > 0 and at least 1ns per bucket, got %v for %d buckets", d, buckets)
		}
		c.timeWindow, c.buckets = d, buckets
		return nil
	})
}

// WithMinimumCalls sets how many calls the window must hold before a rate
// rule can trip the breaker (n >= 1; default [DefaultMinimumCalls], capped
// at the size of a count window). With a count window, n may not exceed its
// size.
func WithMinimumCalls(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("breaker: WithMinimumCalls: n must be >= 1, got %d", n)
		}
		c.minCalls = n
		return nil
	})
}

// WithOpenDuration sets how long the breaker stays open after a trip before
// it lets probes through (d >= 0; default [DefaultOpenDuration]). With
// [WithOpenBackoff] it is the duration of the first trip. Any duration up to
// the largest [time.Duration] is kept as given: the computations of the open
// state saturate instead of overflowing, so a huge duration keeps the
// breaker open until [Breaker.Reset], in effect.
func WithOpenDuration(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("breaker: WithOpenDuration: duration must be >= 0, got %v", d)
		}
		c.openDuration = d
		return nil
	})
}

// WithOpenBackoff makes the open duration grow on repeated trips: the k-th
// trip in a row (counting from 0) stays open for
// min(openDuration * multiplier^k, max), shortened by up to a fraction
// jitter of itself at random so that many breakers do not probe in step.
// A successful recovery (half-open to closed) or [Breaker.Reset] starts the
// sequence again. multiplier must be >= 1, jitter in [0, 1], max at least
// the open duration, and the open duration above 0. The growth saturates at
// max, even when openDuration * multiplier^k is beyond a [time.Duration].
func WithOpenBackoff(max time.Duration, multiplier, jitter float64) Option {
	return optionFunc(func(c *config) error {
		if max <= 0 {
			return fmt.Errorf("breaker: WithOpenBackoff: max must be > 0, got %v", max)
		}
		if !(multiplier >= 1) {
			return fmt.Errorf("breaker: WithOpenBackoff: multiplier must be >= 1, got %v", multiplier)
		}
		if !(jitter >= 0 && jitter <= 1) {
			return fmt.Errorf("breaker: WithOpenBackoff: jitter must be in [0, 1], got %v", jitter)
		}
		c.backoffMax, c.backoffMult, c.backoffJitter = max, multiplier, jitter
		return nil
	})
}

// WithHalfOpenProbes sets how many probe calls the half-open state lets
// through (n >= 1; default [DefaultHalfOpenProbes]); other calls are
// rejected with [ErrOpen] while the probes run. A failed probe reopens the
// breaker; [WithHalfOpenSuccesses] successful probes close it. A probe whose
// error is ignored frees its place for another probe.
func WithHalfOpenProbes(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("breaker: WithHalfOpenProbes: n must be >= 1, got %d", n)
		}
		c.probes = n
		return nil
	})
}

// WithHalfOpenSuccesses sets how many successful probes close the breaker
// (n >= 1, at most the number of probes; default: the number of probes).
func WithHalfOpenSuccesses(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("breaker: WithHalfOpenSuccesses: n must be >= 1, got %d", n)
		}
		c.successes = n
		return nil
	})
}

// WithIsFailure sets the predicate that decides whether a non-nil error is a
// failure; an error for which it returns false counts as a success. By
// default every error is a failure. It is not called for nil (always a
// success) nor for errors that [WithIsIgnored] leaves out.
func WithIsFailure(f func(err error) bool) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return errors.New("breaker: WithIsFailure: nil func")
		}
		c.isFailure = f
		return nil
	})
}

// WithIsIgnored sets the predicate that decides whether a non-nil error is
// left out of the record: neither a success nor a failure. By default the
// errors matching [context.Canceled] are ignored (the caller gave up; that
// says nothing about the dependency). [context.DeadlineExceeded] is a
// failure by default: a dependency too slow to answer in time is failing.
func WithIsIgnored(f func(err error) bool) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return errors.New("breaker: WithIsIgnored: nil func")
		}
		c.isIgnored = f
		return nil
	})
}

// WithOnStateChange adds a hook called once for every change of state, with
// the breaker's name and the states before and after. Hooks run outside the
// breaker's locks, so a hook may call any method of the breaker; they run
// one at a time, in the order of the changes, on the goroutine of a call
// that changed the state (not always the one that made this change).
func WithOnStateChange(f func(name string, from, to State)) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return errors.New("breaker: WithOnStateChange: nil func")
		}
		c.onStateChange = append(c.onStateChange, f)
		return nil
	})
}
