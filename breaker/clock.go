package breaker

import (
	"errors"
	"time"
)

// Clock is a time source for breaker: [WithClock] makes a [Breaker] read
// the time through it instead of package time, so that a simulator
// (package sim) can run it in virtual time. Nil (the default) is the real
// clock.
//
// Every holdfast package that reads the clock has a Clock with these four
// methods, so that one value satisfies them all (see retry.Clock). A
// Breaker starts no timer and no goroutine: it only calls Now.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) interface{ Stop() bool }
	Go(f func())
	Wait(ch <-chan struct{})
}

// WithClock makes the Breaker read the time from c: the open duration, the
// time window and the slow-call timing. Unset, the Breaker reads package
// time, and the closed state's fast path is unchanged (it reads no clock).
// Use it with [WithOpenBackoff]'s jitter at 0 where runs must repeat: the
// jitter draws from math/rand/v2's global source. c must not be nil.
func WithClock(c Clock) Option {
	return optionFunc(func(cfg *config) error {
		if c == nil {
			return errors.New("breaker: WithClock: clock must not be nil")
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
