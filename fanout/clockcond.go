package fanout

import (
	"context"
	"sync"
)

// clockCond is a condition variable for goroutines that run on a Clock: they
// block in Clock.Wait on the Done channel of a context that the next
// broadcast cancels. A waiter reads the epoch, checks its condition, and
// waits for that epoch to end, so that a broadcast between the check and
// the wait is not lost:
//
//	for {
//		e := c.epoch()
//		if cond() {
//			break
//		}
//		c.wait(e)
//	}
//
// The contexts derive from base, so that a wait also ends once base is done
// (its callers then check base). The state a condition reads must be
// changed before broadcast is called.
type clockCond struct {
	clock Clock
	base  context.Context

	mu   sync.Mutex
	n    uint64             // broadcasts so far
	gen  context.Context    // done at the next broadcast; nil when no one waits
	wake context.CancelFunc // cancels gen
}

func newClockCond(c Clock, base context.Context) *clockCond {
	return &clockCond{clock: c, base: base}
}

// epoch returns the number of broadcasts so far.
func (c *clockCond) epoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// wait blocks in Clock.Wait until a broadcast after epoch e (at once if one
// came already) or until base is done.
func (c *clockCond) wait(e uint64) {
	c.mu.Lock()
	if c.n != e {
		c.mu.Unlock()
		return
	}
	if c.gen == nil {
		c.gen, c.wake = context.WithCancel(c.base)
	}
	done := c.gen.Done()
	c.mu.Unlock()
	c.clock.Wait(done)
}

// broadcast wakes every waiter.
func (c *clockCond) broadcast() {
	c.mu.Lock()
	c.n++
	if c.wake != nil {
		c.wake()
		c.gen, c.wake = nil, nil
	}
	c.mu.Unlock()
}
