package retry

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Defaults of a call made without options.
const (
	// DefaultMaxAttempts is the number of attempts in all (the first one and
	// two retries).
	DefaultMaxAttempts = 3
	// DefaultMaxRetryAfter bounds a server's Retry-After hint.
	DefaultMaxRetryAfter = 30 * time.Second
)

// An Option configures [Do], [DoValue] and [New]. A bad value makes the call
// or constructor return an error naming the option.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is the whole of a Policy. Its zero value means the defaults, so
// that the zero Policy is valid.
type config struct {
	maxAttempts    int // 0: DefaultMaxAttempts
	maxElapsed     time.Duration
	attemptTimeout time.Duration
	strategy       Strategy
	newBackOff     func() backoff.BackOff
	src            rand.Source
	retryIf        func(error) bool
	maxRetryAfter  time.Duration // 0: DefaultMaxRetryAfter; -1: hints ignored
	hintStops      bool          // a hint above maxRetryAfter ends the call (Transport)
	budget         *Budget
	onRetry        func(attempt int, err error, delay time.Duration)
	observer       Observer
	clock          Clock // nil: package time
}

func (c *config) attempts() int {
	if c.maxAttempts == 0 {
		return DefaultMaxAttempts
	}
	return c.maxAttempts
}

func (c *config) hintCap() time.Duration {
	if c.maxRetryAfter == 0 {
		return DefaultMaxRetryAfter
	}
	return c.maxRetryAfter
}

func newConfig(opts []Option) (config, error) {
	var c config
	for _, o := range opts {
		if o == nil {
			return config{}, fmt.Errorf("retry: nil Option")
		}
		if err := o.apply(&c); err != nil {
			return config{}, err
		}
	}
	return c, nil
}

// WithMaxAttempts sets how many times fn may run in all, the first attempt
// included (default [DefaultMaxAttempts]). n must be >= 1; 1 means no retry.
func WithMaxAttempts(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("retry: WithMaxAttempts: attempts must be >= 1, got %d", n)
		}
		c.maxAttempts = n
		return nil
	})
}

// WithMaxElapsed caps the time from the start of the first attempt to the
// start of the last: a retry that could not start before d has passed is not
// made, and the call returns at once with [ErrOutOfTime] (it does not sleep
// first). It does not cut short an attempt that is running; use
// [WithAttemptTimeout] or the context for that. d must be > 0; by default
// only the context's deadline bounds the time.
func WithMaxElapsed(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("retry: WithMaxElapsed: duration must be > 0, got %v", d)
		}
		c.maxElapsed = d
		return nil
	})
}

// WithAttemptTimeout gives each attempt its own child context that expires
// after d. An attempt that fails because its own context expired is
// retryable (the timeout is the attempt's, not the caller's); the caller's
// context ending is never retried. d must be > 0; by default attempts get
// the caller's context itself and no child context is made.
func WithAttemptTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("retry: WithAttemptTimeout: duration must be > 0, got %v", d)
		}
		c.attemptTimeout = d
		return nil
	})
}

// WithStrategy sets the backoff strategy (default
// FullJitter([DefaultBase], [DefaultCap])). It replaces a [WithBackOff]
// given before it. A strategy failing [Strategy.Validate] is an error.
func WithStrategy(s Strategy) Option {
	return optionFunc(func(c *config) error {
		if err := s.check(); err != nil {
			return fmt.Errorf("retry: WithStrategy: %w", err)
		}
		c.strategy = s
		c.newBackOff = nil
		return nil
	})
}

// WithBackOff makes each call take its delays from a [backoff.BackOff] that
// newBackOff returns, such as cenkalti's [backoff.NewExponentialBackOff]. It
// replaces a [WithStrategy] given before it.
//
// It takes a constructor rather than a BackOff because a BackOff has state
// (its attempt counter, its elapsed time) while a Policy is shared by
// concurrent calls: each call that needs to retry calls newBackOff once, at
// its first failure (a call that succeeds at once does not), then Reset,
// then NextBackOff before each retry; [backoff.Stop] ends the call with
// [ErrBackOffStop], and so does a nil BackOff from newBackOff. newBackOff
// may return the same BackOff every time only if the Policy is never used
// by two calls at once (as with a one-shot [Do]). The attempt cap of
// [WithMaxAttempts] still applies.
func WithBackOff(newBackOff func() backoff.BackOff) Option {
	return optionFunc(func(c *config) error {
		if newBackOff == nil {
			return fmt.Errorf("retry: WithBackOff: constructor must not be nil")
		}
		c.newBackOff = newBackOff
		return nil
	})
}

// WithRand sets the random source of the jittered strategies, for
// deterministic tests and simulations (a *rand.Rand, *rand.PCG or
// *rand.ChaCha8 from math/rand/v2). Those are not safe for concurrent use:
// when the Policy is shared between goroutines, wrap the source with
// [LockedSource]. The default source is math/rand/v2's global generator,
// safe for concurrent use and lock-free.
func WithRand(src rand.Source) Option {
	return optionFunc(func(c *config) error {
		if src == nil {
			return fmt.Errorf("retry: WithRand: source must not be nil")
		}
		c.src = src
		return nil
	})
}

// WithRetryIf sets the predicate deciding whether an error is worth
// retrying; by default every error is, except permanent ones (see
// [Permanent]) and those that come with the caller's context ending, which
// are never retried whatever the predicate says.
func WithRetryIf(retryable func(err error) bool) Option {
	return optionFunc(func(c *config) error {
		if retryable == nil {
			return fmt.Errorf("retry: WithRetryIf: predicate must not be nil")
		}
		c.retryIf = retryable
		return nil
	})
}

// WithMaxRetryAfter bounds the delay a server's Retry-After hint (see
// [RetryAfterer]) can set: a longer hint waits d (default
// [DefaultMaxRetryAfter]); through a [Transport], a longer hint ends the
// retries instead. d must be >= 0; 0 makes the call ignore hints.
func WithMaxRetryAfter(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("retry: WithMaxRetryAfter: duration must be >= 0, got %v", d)
		}
		c.maxRetryAfter = d
		if d == 0 {
			c.maxRetryAfter = -1
		}
		return nil
	})
}

// WithBudget makes calls draw their retries from b, which many calls and
// goroutines may share: each call deposits into it and each retry withdraws
// from it; when it is empty, the call stops with [ErrBudgetExhausted].
// b must not be nil; by default calls have no budget.
func WithBudget(b *Budget) Option {
	return optionFunc(func(c *config) error {
		if b == nil {
			return fmt.Errorf("retry: WithBudget: budget must not be nil")
		}
		c.budget = b
		return nil
	})
}

// WithOnRetry sets a hook called before each retry, on the calling
// goroutine, with the number of the attempt that failed (from 1), its error
// and the delay before the next attempt. It is not called when the call
// gives up.
func WithOnRetry(f func(attempt int, err error, delay time.Duration)) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return fmt.Errorf("retry: WithOnRetry: hook must not be nil")
		}
		c.onRetry = f
		return nil
	})
}
