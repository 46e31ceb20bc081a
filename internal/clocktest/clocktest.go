// Package clocktest is a manual clock for the tests of the packages'
// WithClock options: time moves only when the test calls Advance, and the
// clock records the timers set, the goroutines started and the waits. Go
// and Wait are the real ones (go f(), <-ch), so that a test inside a
// testing/synctest bubble can wait for them with synctest.Wait.
package clocktest

import (
	"slices"
	"sync"
	"time"
)

// Clock is a manual clock, safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*Timer
	gos    int
	waits  int
	delays []time.Duration // of every AfterFunc, in order
}

// New returns a Clock reading start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Timer is a timer of a Clock.
type Timer struct {
	c  *Clock
	at time.Time
	f  func()
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc records a timer that Advance fires once the clock reaches
// Now()+d.
func (c *Clock) AfterFunc(d time.Duration, f func()) interface{ Stop() bool } {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &Timer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	c.delays = append(c.delays, d)
	return t
}

// Stop removes the timer and reports whether it had not fired.
func (t *Timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	i := slices.Index(t.c.timers, t)
	if i < 0 {
		return false
	}
	t.c.timers = slices.Delete(t.c.timers, i, i+1)
	return true
}

// Go runs f on a new goroutine and counts it.
func (c *Clock) Go(f func()) {
	c.mu.Lock()
	c.gos++
	c.mu.Unlock()
	go f()
}

// Wait receives from ch and counts the wait.
func (c *Clock) Wait(ch <-chan struct{}) {
	c.mu.Lock()
	c.waits++
	c.mu.Unlock()
	<-ch
}

// Advance moves the clock on by d, firing the timers due in time order
// (each at its own time, outside the lock).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var next *Timer
		for _, t := range c.timers {
			if !t.at.After(end) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.timers = slices.DeleteFunc(c.timers, func(t *Timer) bool { return t == next })
		c.now = next.at
		c.mu.Unlock()
		next.f()
	}
}

// Delays returns the durations of every AfterFunc so far, in order.
func (c *Clock) Delays() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.delays)
}

// Pending returns how many timers are set and not fired or stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Counts returns how many goroutines Go started and how many Waits began.
func (c *Clock) Counts() (gos, waits int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gos, c.waits
}
