package deadline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// errNilContext is returned, or panicked with by the calls that return no
// error, for a nil ctx (see CONTRIBUTING.md).
var errNilContext = errors.New("deadline: nil Context")

// mustContext panics with errNilContext's message on a nil ctx, for the
// calls that return no error, as the standard library's context functions
// do.
func mustContext(ctx context.Context) {
	if ctx == nil {
		panic(errNilContext.Error())
	}
}

// ErrInsufficientBudget is matched (with [errors.Is]) by the error returned
// when a call cannot be given the time it needs: by [Require], [Reserve] and
// the [Transport] that refuses to send a request whose budget is spent.
var ErrInsufficientBudget = errors.New("deadline: insufficient budget")

// InsufficientBudgetError reports how much time was left and how much a call
// needed. It matches [ErrInsufficientBudget].
type InsufficientBudgetError struct {
	// Remaining is the time that was left before the deadline (0 once it has
	// passed).
	Remaining time.Duration
	// Required is the budget the call needed: the min passed to [Require],
	// the headroom passed to [Reserve] (which needs more than that, since
	// its child would be left with nothing), or the [Transport]'s network
	// allowance plus one millisecond.
	Required time.Duration
}

var _ error = (*InsufficientBudgetError)(nil)

// Error returns "deadline: insufficient budget: <remaining> remaining,
// <required> required".
func (e *InsufficientBudgetError) Error() string {
	return fmt.Sprintf("deadline: insufficient budget: %v remaining, %v required", e.Remaining, e.Required)
}

// Unwrap returns [ErrInsufficientBudget].
func (e *InsufficientBudgetError) Unwrap() error { return ErrInsufficientBudget }

// Remaining returns the time left before ctx's deadline, and whether ctx has
// a deadline at all. The time is never negative: it is 0 once the deadline
// has passed. Remaining looks at the deadline only; a context cancelled
// early still reports the time to its deadline. It is shorthand for
// RemainingAt(ctx, time.Now()). A nil ctx panics, as in the context
// package.
func Remaining(ctx context.Context) (time.Duration, bool) {
	return RemainingAt(ctx, time.Now())
}

// RemainingAt is like [Remaining] with the current time given as now.
func RemainingAt(ctx context.Context, now time.Time) (time.Duration, bool) {
	mustContext(ctx)
	dl, ok := ctx.Deadline()
	if !ok {
		return 0, false
	}
	return max(dl.Sub(now), 0), true
}

// Require returns nil when ctx leaves at least min to do a call, so the
// caller can fail fast instead of starting work that cannot finish in time.
// It returns an [*InsufficientBudgetError] when less than min remains or the
// deadline has passed, [context.Cause] when ctx was cancelled before its
// deadline, and nil when ctx has no deadline and is not cancelled (an
// unbounded budget satisfies any min). A nil ctx or a negative min is an
// error. Require does not allocate unless it fails.
func Require(ctx context.Context, min time.Duration) error {
	return require(ctx, nil, min)
}

func require(ctx context.Context, clock Clock, min time.Duration) error {
	if ctx == nil {
		return errNilContext
	}
	if min < 0 {
		return fmt.Errorf("deadline: Require: min must be >= 0, got %v", min)
	}
	if ctx.Err() == context.Canceled {
		return context.Cause(ctx)
	}
	rem, ok := RemainingAt(ctx, now(clock))
	if !ok {
		return nil
	}
	if rem < min || rem == 0 {
		return &InsufficientBudgetError{Remaining: rem, Required: min}
	}
	return nil
}

// Reserve derives a context whose deadline comes headroom before ctx's, so
// that the caller keeps headroom for its own work (writing the response,
// recording the result) after the call it passes the child to.
//
// With no deadline on ctx, Reserve returns a cancelable child without a
// deadline: an unbounded budget stays unbounded. When headroom is negative,
// or when it is not less than the time remaining, Reserve returns an error
// (an [*InsufficientBudgetError] in the second case) together with a child
// that is already cancelled with that error as its cause (or with ctx's own
// cause, when ctx is already done), so a caller that ignores the error still
// fails fast. A nil ctx is an error too, with a context already cancelled
// with it. The returned context and cancel function are never nil; call
// cancel when done, as with [context.WithDeadline].
func Reserve(ctx context.Context, headroom time.Duration) (context.Context, context.CancelFunc, error) {
	return reserve(ctx, nil, headroom)
}

func reserve(ctx context.Context, clock Clock, headroom time.Duration) (context.Context, context.CancelFunc, error) {
	if ctx == nil {
		return failed(context.Background(), errNilContext)
	}
	if headroom < 0 {
		return failed(ctx, fmt.Errorf("deadline: Reserve: headroom must be >= 0, got %v", headroom))
	}
	dl, ok := ctx.Deadline()
	if !ok {
		c, cancel := context.WithCancel(ctx)
		return c, cancel, nil
	}
	if rem := max(dl.Sub(now(clock)), 0); rem <= headroom {
		return failed(ctx, &InsufficientBudgetError{Remaining: rem, Required: headroom})
	}
	c, cancel := withDeadline(ctx, clock, dl.Add(-headroom), nil)
	return c, cancel, nil
}

// Fraction derives a context that gets at most the fraction f of the time
// remaining on ctx: Fraction(ctx, 0.4) gives a call 40% of what is left and
// keeps 60% for what follows it. f must be in (0, 1].
//
// With no deadline on ctx, Fraction returns a cancelable child without a
// deadline. When the deadline has passed, the child is done at once with
// ctx's cause. When ctx is nil or f is invalid, the error comes with a
// context already cancelled with it, as in [Reserve]. The returned context
// and cancel function are never nil.
func Fraction(ctx context.Context, f float64) (context.Context, context.CancelFunc, error) {
	return fraction(ctx, nil, f)
}

func fraction(ctx context.Context, clock Clock, f float64) (context.Context, context.CancelFunc, error) {
	if ctx == nil {
		return failed(context.Background(), errNilContext)
	}
	if !(f > 0 && f <= 1) {
		return failed(ctx, fmt.Errorf("deadline: Fraction: f must be in (0, 1], got %v", f))
	}
	dl, ok := ctx.Deadline()
	if !ok {
		c, cancel := context.WithCancel(ctx)
		return c, cancel, nil
	}
	t := now(clock)
	c, cancel := withDeadline(ctx, clock, t.Add(split(dl.Sub(t), f)), nil)
	return c, cancel, nil
}

// split returns the fraction f, in (0, 1], of rem, rounded down and never
// above rem (float64 rounding could overflow otherwise); 0 when rem <= 0.
func split(rem time.Duration, f float64) time.Duration {
	if rem <= 0 {
		return 0
	}
	v := math.Floor(float64(rem) * f)
	if v >= float64(rem) {
		return rem
	}
	return time.Duration(v)
}

// Tighten applies the timeout d to ctx only when it is tighter than ctx's
// own deadline: when ctx already ends within d, Tighten returns ctx itself
// and a no-op cancel, without allocating; otherwise it returns
// context.WithTimeout(ctx, d). Use it for a per-call timeout that must never
// extend, nor needlessly duplicate, the caller's budget. For a timeout whose
// expiry names its layer, use [WithTimeout]. A nil ctx panics, as in the
// context package.
func Tighten(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return tighten(ctx, nil, d)
}

func tighten(ctx context.Context, clock Clock, d time.Duration) (context.Context, context.CancelFunc) {
	mustContext(ctx)
	t := now(clock).Add(d)
	if dl, ok := ctx.Deadline(); ok && !dl.After(t) {
		return ctx, noop
	}
	return withDeadline(ctx, clock, t, nil)
}

func noop() {}

// failed returns a child of ctx already cancelled with err as its cause
// (unless ctx is done already, and its cause passed on), with err.
func failed(ctx context.Context, err error) (context.Context, context.CancelFunc, error) {
	c, cancel := context.WithCancelCause(ctx)
	cancel(err)
	return c, noop, err
}
