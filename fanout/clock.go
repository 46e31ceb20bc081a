package fanout

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/internal/vclock"
)

// Clock is a time source and goroutine starter for fanout: [WithClock]
// makes every call start its timers, its per-call deadlines
// ([WithTaskTimeout]) and its goroutines through it, so that a simulator
// (package sim) can run it in virtual time. Nil (the default) is the real
// clock: package time and the go statement.
//
// Every holdfast package that reads the clock has a Clock with these four
// methods, so that one value satisfies them all (see retry.Clock). Now and
// AfterFunc are the time source ([*time.Timer] satisfies AfterFunc's
// result). Go and Wait are there because a simulator must know when every
// goroutine of the simulation is blocked before it moves time on: with a
// Clock set, fanout starts each goroutine with Go and blocks only in Wait (a
// receive from ch), both in the caller's goroutine (waiting for results, for
// room under the limit, for the goroutines to return) and in the goroutines
// it started (a [Stream] worker waiting for an item). A real-time clock
// implements them as `go f()` and `<-ch`.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) interface{ Stop() bool }
	Go(f func())
	Wait(ch <-chan struct{})
}

// A ClockOption, from [WithClock], configures every call: it is an
// [Option], a [MapAllOption], a [StreamOption] and a [HedgeOption].
type ClockOption interface {
	LimitOption
	HedgeOption
}

// WithClock makes a call run on c instead of package time and the go
// statement: its goroutines are started with c.Go, the per-call deadlines of
// [WithTaskTimeout] are timers of c (contexts whose Deadline is on c), the
// delay of [Hedge] is a timer of c, and every wait (for a result, for room
// under the limit, for an item, for the goroutines to return) is a c.Wait.
// c must not be nil. Read by every call and by [Group] ([New]).
//
// Cost: unset, a call pays a nil check where it starts a goroutine, sets a
// timeout or waits, and per item at most a test of a flag already loaded
// (Map's workers, Stream's workers), with no allocation. Set, each
// goroutine, each wait and each wake-up costs an allocation or two (a
// closure for Go, a context whose Done channel Wait receives from), and
// Map's workers read ctx.Err before each item in place of the AfterFunc
// that watches the parent without a clock: costs that virtual time does not
// mind.
func WithClock(c Clock) ClockOption {
	return timeoutOption(func(cfg *config) error {
		if c == nil {
			return errors.New("fanout: WithClock: clock must not be nil")
		}
		cfg.clock = c
		return nil
	})
}

// withTimeout is context.WithTimeout on clock c, or on package time when c
// is nil.
func withTimeout(ctx context.Context, c Clock, d time.Duration) (context.Context, context.CancelFunc) {
	if c == nil {
		return context.WithTimeout(ctx, d)
	}
	return vclock.WithTimeout(ctx, c, d)
}

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
