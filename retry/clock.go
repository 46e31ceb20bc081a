package retry

import (
	"context"
	"fmt"
	"time"

	"github.com/holdfast-go/holdfast/internal/vclock"
)

// Clock is a time source for retry: [WithClock] makes a [Policy] and a
// [Budget] read the time, wait their delays and time their attempts through
// it instead of package time, so that a simulator (package sim) can run them
// in virtual time. Nil (the default) is the real clock.
//
// Every holdfast package that reads the clock has a Clock with these four
// methods, so that one value satisfies them all. Now and AfterFunc are the
// time source ([*time.Timer] satisfies AfterFunc's result). Go and Wait are
// there because a simulator must know when every goroutine of the
// simulation is blocked before it moves time on: with a Clock set, a
// package starts its goroutines with Go and blocks only in Wait (a receive
// from ch), so the clock sees every start and every wait. A real-time clock
// implements them as `go f()` and `<-ch`.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) interface{ Stop() bool }
	Go(f func())
	Wait(ch <-chan struct{})
}

// A ClockOption, from [WithClock], configures both a [Policy] (it is an
// [Option]) and a [Budget] (it is a [BudgetOption]).
type ClockOption interface {
	Option
	BudgetOption
}

type clockOption func(*config, *budgetConfig) error

func (f clockOption) apply(c *config) error             { return f(c, nil) }
func (f clockOption) applyBudget(c *budgetConfig) error { return f(nil, c) }

// WithClock makes a Policy (or a Budget) use c for the time: the elapsed
// time of [WithMaxElapsed], the check against the context's deadline, the
// delays between attempts (waited with c.AfterFunc and c.Wait) and the
// timeout of [WithAttemptTimeout] (a child context cancelled by a timer of
// c, whose Deadline is on c). It does not apply to [Transport]. Unset, a
// Policy reads package time, and its first attempt costs one nil check
// more. c must not be nil.
func WithClock(c Clock) ClockOption {
	return clockOption(func(pc *config, bc *budgetConfig) error {
		if c == nil {
			return fmt.Errorf("retry: WithClock: clock must not be nil")
		}
		if pc != nil {
			pc.clock = c
		} else {
			bc.clock = c
		}
		return nil
	})
}

// now returns the time on the Policy's clock.
func (c *config) now() time.Time { return clockNow(c.clock) }

// clockNow returns the time on clock c, or package time's for a nil c.
func clockNow(c Clock) time.Time {
	if c != nil {
		return c.Now()
	}
	return time.Now()
}

// sleep waits d, or returns why ctx ended if it ends first.
func (c *config) sleep(ctx context.Context, d time.Duration) error {
	if c.clock == nil {
		return sleep(ctx, d)
	}
	if !vclock.Sleep(ctx, c.clock, d) {
		return ctxReason(ctx)
	}
	return nil
}

// attempt runs fn once in a child context that expires after timeout, on
// clock, or on package time when clock is nil.
func attempt[T any](ctx context.Context, clock Clock, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	var actx context.Context
	var cancel context.CancelFunc
	if clock == nil {
		actx, cancel = context.WithTimeout(ctx, timeout)
	} else {
		actx, cancel = vclock.WithTimeout(ctx, clock, timeout)
	}
	defer cancel()
	return fn(actx)
}

// now returns the time on the Budget's clock.
func (b *Budget) now() time.Time { return clockNow(b.clock) }
