package fanout

import (
	"context"
	"sync"
	"sync/atomic"
)

// clockGroup counts the goroutines that a call started on a Clock, so that
// the call can wait for them in Clock.Wait (a sync.WaitGroup has no channel
// to wait on). It also holds, for a [Group], the slots of the limit.
type clockGroup struct {
	cond  *clockCond   // base: Background, so that joins wait whatever ctx says
	live  atomic.Int64 // goroutines started and not yet returned
	limit int          // Group's limit, or Unlimited
	held  int          // Group's slots held; guarded by mu
	mu    sync.Mutex
}

func newClockGroup(c Clock, limit int) *clockGroup {
	return &clockGroup{cond: newClockCond(c, context.Background()), limit: limit}
}

// clock returns g's Clock; nil (package time) when g is nil.
func (g *clockGroup) clock() Clock {
	if g == nil {
		return nil
	}
	return g.cond.clock
}

// goroutine runs f on a goroutine started by the clock.
func (g *clockGroup) goroutine(f func()) {
	g.live.Add(1)
	g.cond.clock.Go(func() {
		defer g.exit()
		f()
	})
}

func (g *clockGroup) exit() {
	if g.live.Add(-1) == 0 {
		g.cond.broadcast()
	}
}

// join waits in Clock.Wait until every goroutine started has returned.
func (g *clockGroup) join() {
	for {
		e := g.cond.epoch()
		if g.live.Load() == 0 {
			return
		}
		g.cond.wait(e)
	}
}

// tryAcquire takes a slot of the limit if one is free.
func (g *clockGroup) tryAcquire() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.limit != Unlimited && g.held >= g.limit {
		return false
	}
	g.held++
	return true
}

// acquire takes a slot of the limit, waiting in Clock.Wait for one.
func (g *clockGroup) acquire() {
	for {
		e := g.cond.epoch()
		if g.tryAcquire() {
			return
		}
		g.cond.wait(e)
	}
}

// release gives a slot back.
func (g *clockGroup) release() {
	g.mu.Lock()
	g.held--
	g.mu.Unlock()
	g.cond.broadcast()
}
