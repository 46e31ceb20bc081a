package limit

import (
	"context"
	"errors"
	"time"
)

// Clock is a time source for limit: [WithClock] makes a [Bulkhead], an
// [Adaptive] limiter and a [Throttle] read the time, time their waits
// ([WithMaxWait]) and wait through it instead of package time, so that a
// simulator (package sim) can run them in virtual time. Nil (the default)
// is the real clock.
//
// Every holdfast package that reads the clock has a Clock with these four
// methods, so that one value satisfies them all (see retry.Clock). With a
// Clock set, a call waiting for a place blocks only in Wait.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) interface{ Stop() bool }
	Go(f func())
	Wait(ch <-chan struct{})
}

// WithClock makes the limiter use c: the latencies an adaptive limiter
// measures, the throttle's window, the max wait of [WithMaxWait] (a timer
// of c) and the wait itself (in c.Wait). Unset, the limiters read package
// time. c must not be nil. Read by [NewBulkhead], [NewAIMD], [NewVegas]
// and [NewThrottle]. ([KeyedRate.AllowN] takes the time as an argument:
// pass it c.Now().) For a simulated run with a throttle to repeat, give
// the throttle a seeded source too ([WithThrottleRand]).
func WithClock(c Clock) CommonOption {
	return commonOption(func(cfg *config) error {
		if c == nil {
			return errors.New("limit: WithClock: clock must not be nil")
		}
		cfg.clock = c
		return nil
	})
}

// wallNow returns the time on the configured clock.
func (c *config) wallNow() time.Time {
	if c.clock != nil {
		return c.clock.Now()
	}
	return time.Now()
}

// waitClock is gate.wait on a Clock: w's grant, ctx's end and the max
// wait all end one Wait, on a child of ctx that each cancels.
func (g *gate) waitClock(ctx context.Context, w *waiter) error {
	wctx, wake := context.WithCancel(ctx)
	defer wake()
	g.mu.Lock()
	if w.granted {
		g.mu.Unlock()
		return nil
	}
	w.wake = wake
	g.mu.Unlock()
	if g.maxWait > 0 {
		t := g.clock.AfterFunc(g.maxWait, wake)
		defer t.Stop()
	}
	g.clock.Wait(wctx.Done())
	select {
	case <-w.ready:
		return nil
	default:
	}
	if err := ctx.Err(); err != nil {
		return g.abandon(w, err)
	}
	return g.abandon(w, g.rejectErr)
}

// since returns the time on the throttle's clock, in nanoseconds since
// base.
func (t *Throttle) since() int64 { return sinceOn(t.cfg.clock, t.base) }

// sinceOn returns the time on c, in nanoseconds since base. Without a
// clock (c nil) it is time.Since, which reads only the monotonic clock.
func sinceOn(c Clock, base time.Time) int64 {
	if c != nil {
		return int64(c.Now().Sub(base))
	}
	return int64(time.Since(base))
}
