package deadline

import (
	"context"
	"errors"
	"time"

	"github.com/holdfast-go/holdfast/internal/vclock"
)

// Clock is a time source for deadline: [WithClock] makes [Middleware] and
// [Transport] read the time and set timeouts through it, and [On] gives the
// budget functions ([Remaining], [Require], [Reserve], [Fraction],
// [Tighten], [WithTimeout]) on it, so that a simulator (package sim) can
// run them in virtual time. Nil (the default) is the real clock.
//
// Every holdfast package that reads the clock has a Clock with these four
// methods, so that one value satisfies them all (see retry.Clock). This
// package only calls Now and AfterFunc: it starts no goroutine and does
// not block.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) interface{ Stop() bool }
	Go(f func())
	Wait(ch <-chan struct{})
}

// WithClock makes [Middleware] set each request's timeout on c (a timer of
// c ends it; its Deadline is on c) and [Transport] measure the time left
// before a request's deadline with c.Now. c must not be nil. Read by
// [Middleware] and [Transport].
func WithClock(c Clock) Option {
	return sharedOption(func(cfg *config) error {
		if c == nil {
			return errors.New("deadline: WithClock: clock must not be nil")
		}
		cfg.clock = c
		return nil
	})
}

// Clocked is the budget functions of this package on a Clock: each method
// is the package function of the same name, with the time read from the
// clock and the deadlines it sets ended by the clock's timers. Get one
// with [On].
type Clocked struct{ c Clock }

// On returns the budget functions on clock c; a nil c is the real clock,
// and On(nil).Reserve is [Reserve].
func On(c Clock) Clocked { return Clocked{c} }

// Remaining is [Remaining] on the clock.
func (k Clocked) Remaining(ctx context.Context) (time.Duration, bool) {
	return RemainingAt(ctx, now(k.c))
}

// Require is [Require] on the clock.
func (k Clocked) Require(ctx context.Context, min time.Duration) error {
	return require(ctx, k.c, min)
}

// Reserve is [Reserve] on the clock.
func (k Clocked) Reserve(ctx context.Context, headroom time.Duration) (context.Context, context.CancelFunc, error) {
	return reserve(ctx, k.c, headroom)
}

// Fraction is [Fraction] on the clock.
func (k Clocked) Fraction(ctx context.Context, f float64) (context.Context, context.CancelFunc, error) {
	return fraction(ctx, k.c, f)
}

// Tighten is [Tighten] on the clock.
func (k Clocked) Tighten(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return tighten(ctx, k.c, d)
}

// WithTimeout is [WithTimeout] on the clock.
func (k Clocked) WithTimeout(ctx context.Context, layer string, d time.Duration) (context.Context, context.CancelFunc) {
	mustContext(ctx)
	return withDeadline(ctx, k.c, now(k.c).Add(d), &TimeoutError{Layer: layer, Timeout: d})
}

// now returns the time on c, or the real time for a nil c.
func now(c Clock) time.Time {
	if c == nil {
		return time.Now()
	}
	return c.Now()
}

// withDeadline is context.WithDeadlineCause on c, or in real time for a nil
// c.
func withDeadline(ctx context.Context, c Clock, t time.Time, cause error) (context.Context, context.CancelFunc) {
	if c == nil {
		return context.WithDeadlineCause(ctx, t, cause)
	}
	return vclock.WithDeadlineCause(ctx, c, t, cause)
}
