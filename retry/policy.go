package retry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Policy is a reusable retry configuration: build it once with [New] and
// call [Policy.Do] or [Execute] on hot paths, where it does not rebuild
// options. A Policy is safe for concurrent use; each call keeps its own state
// on its own stack.
//
// The zero Policy is valid and uses the defaults: [DefaultMaxAttempts]
// attempts, FullJitter([DefaultBase], [DefaultCap]), no budget.
//
// Cost: a call whose first attempt succeeds adds a few nanoseconds to fn and
// does not allocate, unless [WithAttemptTimeout] is set (a child context per
// attempt) or [WithBudget] is (a deposit under a mutex). A retry allocates a
// timer and the final [*Error].
type Policy struct {
	c config
}

// New returns a Policy with the options applied, or the first option's error.
func New(opts ...Option) (*Policy, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Policy{c: c}, nil
}

// Do calls fn until it succeeds or the options' policy gives up; see
// [Policy.Do]. A bad option makes Do return that option's error (not an
// [*Error]) without calling fn. Do builds the options on every call: on a
// hot path build a [Policy] once.
func Do(ctx context.Context, fn func(context.Context) error, opts ...Option) error {
	if ctx == nil {
		return errNilContext
	}
	p, err := New(opts...)
	if err != nil {
		return err
	}
	return do(ctx, p, fn, "Do")
}

// DoValue is [Do] for a fn that returns a value: it returns the value of
// the first attempt that succeeds, or the zero value and the error.
func DoValue[T any](ctx context.Context, fn func(context.Context) (T, error), opts ...Option) (T, error) {
	if ctx == nil {
		var zero T
		return zero, errNilContext
	}
	p, err := New(opts...)
	if err != nil {
		var zero T
		return zero, err
	}
	return doValue(ctx, p, fn, "DoValue")
}

// Do calls fn, and calls it again after a delay each time it fails with a
// retryable error, until it succeeds, the attempts or the time run out, the
// budget is empty, or ctx ends. It returns nil on success and otherwise an
// [*Error] with the number of attempts, the last error and why it stopped.
//
// fn always runs at least once. It gets ctx, or a child of ctx when
// [WithAttemptTimeout] is set. An error is not retried when it is permanent
// ([Permanent], [backoff.Permanent]), when the predicate of [WithRetryIf]
// rejects it, or when ctx has ended (the caller's cancellation or deadline
// is never retried; an attempt's own timeout is). Do never sleeps past ctx's
// deadline: when the next attempt could not start before it, Do returns at
// once with [ErrOutOfTime]; when ctx ends during a delay, Do returns at once.
//
// A nil p, ctx or fn is an error, not a panic.
func (p *Policy) Do(ctx context.Context, fn func(context.Context) error) error {
	return do(ctx, p, fn, "Policy.Do")
}

// Execute is [Policy.Do] for a fn that returns a value: it returns the
// value of the first attempt that succeeds, or the zero value and the
// error. It is a function, not a method, because a method cannot take a
// type parameter; it reads as breaker.Execute does, the policy after ctx.
func Execute[T any](ctx context.Context, p *Policy, fn func(context.Context) (T, error)) (T, error) {
	return doValue(ctx, p, fn, "Execute")
}

func do(ctx context.Context, p *Policy, fn func(context.Context) error, name string) error {
	if p == nil || ctx == nil || fn == nil {
		return badCall(ctx, p, name)
	}
	_, err := run(ctx, &p.c, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, fn(ctx)
	})
	return err
}

func doValue[T any](ctx context.Context, p *Policy, fn func(context.Context) (T, error), name string) (T, error) {
	if p == nil || ctx == nil || fn == nil {
		var zero T
		return zero, badCall(ctx, p, name)
	}
	return run(ctx, &p.c, fn)
}

// errNilContext is returned for a nil ctx (see CONTRIBUTING.md).
var errNilContext = errors.New("retry: nil Context")

// badCall reports which of ctx, p and fn (the last, if the first two are
// set) was nil.
func badCall(ctx context.Context, p *Policy, name string) error {
	switch {
	case ctx == nil:
		return errNilContext
	case p == nil:
		return fmt.Errorf("retry: %s: nil Policy", name)
	}
	return fmt.Errorf("retry: %s: fn must not be nil", name)
}

// run is the retry loop. It keeps the per-call state in a local value so
// that a call that succeeds at once does not allocate, and keeps the first
// attempt of a call without timeout, budget or observer to a few branches.
// With an observer (o non-nil) it tells it of each attempt and of the end
// of the call; unset, that costs a nil check per step.
func run[T any](ctx context.Context, c *config, fn func(context.Context) (T, error)) (T, error) {
	o := c.observer
	var s state
	if c.budget != nil || c.maxElapsed > 0 {
		s.begin(c)
	}
	var delay time.Duration
	for {
		actx := ctx
		if o != nil {
			actx = o.Attempt(ctx, s.attempts+1, delay)
		}
		var v T
		var err error
		if c.attemptTimeout > 0 {
			v, err = attempt(actx, c.clock, c.attemptTimeout, fn)
		} else {
			v, err = fn(actx)
		}
		if o != nil {
			o.AttemptDone(actx, s.attempts+1, err)
		}
		if err == nil {
			if o != nil {
				o.Done(ctx, s.attempts+1, nil)
			}
			return v, nil
		}
		if delay, err = s.next(ctx, c, err); err != nil {
			if o != nil {
				o.Done(ctx, s.attempts, err)
			}
			var zero T
			return zero, err
		}
	}
}

// state is what one call knows between attempts.
type state struct {
	attempts int
	start    time.Time     // set only with WithMaxElapsed
	prev     time.Duration // the strategy's previous delay
	bo       backoff.BackOff
}

func (s *state) begin(c *config) {
	if c.budget != nil {
		c.budget.Deposit()
	}
	if c.maxElapsed > 0 {
		s.start = c.now()
	}
}

// next decides what follows a failed attempt: it returns the delay it
// slept before the next attempt, or the call's final error.
func (s *state) next(ctx context.Context, c *config, err error) (time.Duration, error) {
	d, final := s.plan(ctx, c, err)
	if final != nil {
		return 0, final
	}
	if cause := c.sleep(ctx, d); cause != nil {
		return 0, s.fail(err, cause)
	}
	return d, nil
}

// plan decides what follows a failed attempt without sleeping: the delay
// before the next attempt (the budget's retry taken, the hook called), or
// the call's final error.
func (s *state) plan(ctx context.Context, c *config, err error) (time.Duration, error) {
	s.attempts++
	if ctx.Err() != nil {
		return 0, s.fail(err, ctxReason(ctx))
	}
	if isPermanent(err) || (c.retryIf != nil && !c.retryIf(err)) {
		return 0, s.fail(err, nil)
	}
	if s.attempts >= c.attempts() {
		return 0, s.fail(err, ErrAttemptsExhausted)
	}
	d, stop := s.delay(c, err)
	if stop != nil {
		return 0, s.fail(err, stop)
	}
	if !s.inTime(ctx, c, d) {
		return 0, s.fail(err, ErrOutOfTime)
	}
	if c.budget != nil && !c.budget.TryWithdraw() {
		return 0, s.fail(err, ErrBudgetExhausted)
	}
	if c.onRetry != nil {
		c.onRetry(s.attempts, err, d)
	}
	return d, nil
}

func (s *state) fail(err, reason error) error {
	return &Error{Attempts: s.attempts, Err: err, Reason: reason}
}

// delay returns the wait before the next attempt: the server's hint if err
// carries one, otherwise the strategy's or the BackOff's delay.
func (s *state) delay(c *config, err error) (time.Duration, error) {
	var d time.Duration
	if c.newBackOff != nil {
		if s.bo == nil {
			if s.bo = c.newBackOff(); s.bo == nil {
				return 0, ErrBackOffStop
			}
			s.bo.Reset()
		}
		if d = s.bo.NextBackOff(); d == backoff.Stop {
			return 0, ErrBackOffStop
		}
	} else {
		d = c.strategy.Delay(s.attempts-1, s.prev, c.src)
		s.prev = d
	}
	if hintCap := c.hintCap(); hintCap > 0 {
		if h, ok := retryAfter(err); ok {
			if h > hintCap && c.hintStops {
				return 0, ErrOutOfTime
			}
			d = min(h, hintCap)
		}
	}
	return max(d, 0), nil
}

// inTime reports whether an attempt starting d from now would start before
// both ctx's deadline and the elapsed-time cap.
func (s *state) inTime(ctx context.Context, c *config, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	if !ok && c.maxElapsed <= 0 {
		return true
	}
	at := c.now().Add(d)
	if ok && !at.Before(deadline) {
		return false
	}
	return c.maxElapsed <= 0 || at.Sub(s.start) < c.maxElapsed
}

// sleep waits d, or returns why ctx ended if it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
			return nil
		}
	}
	if ctx.Err() != nil {
		return ctxReason(ctx)
	}
	return nil
}

// ctxReason returns why ctx ended: its cause, which is ctx.Err() unless one
// was given (context.WithCancelCause, WithTimeoutCause). A cause that does
// not match ctx.Err() is wrapped with it, so that errors.Is(err,
// context.Canceled) or context.DeadlineExceeded holds whatever the cause.
func ctxReason(ctx context.Context) error {
	cause, err := context.Cause(ctx), ctx.Err()
	if errors.Is(cause, err) {
		return cause
	}
	return fmt.Errorf("%w: %w", err, cause)
}
