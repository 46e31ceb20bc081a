package limit

import (
	"context"
	"sync"
	"time"
)

// gate is the admission core shared by [Bulkhead] and [Adaptive]: at most
// limit calls in flight, up to maxWaiting more waiting in a FIFO or LIFO
// list. Its *Locked methods need mu held; the limiters lock it, so that an
// adaptive limiter moves its limit and hands places to waiters under one
// lock.
//
// It does not build on golang.org/x/sync/semaphore, which has neither LIFO
// order, a bound on waiters, a limit that moves, nor counts to report; its
// design is the same (a mutex, a list of waiters each with a channel closed
// when served).
type gate struct {
	mu       sync.Mutex
	limit    int
	inflight int
	head     *waiter // the oldest waiter
	tail     *waiter // the newest waiter
	waiting  int

	maxWaiting int
	maxWait    time.Duration
	lifo       bool
	rejectErr  *LimitedError
	base       time.Time // the limiter's clock starts here
	clock      Clock     // nil: package time

	admitted, rejected, canceled uint64
	waited                       uint64
	waitTime                     time.Duration
}

// waiter is a call waiting for a place.
type waiter struct {
	prev, next *waiter
	ready      chan struct{} // closed when granted
	granted    bool
	since      int64  // when it started to wait; once granted, how long it waited
	wake       func() // with a Clock: ends the waiter's Wait
}

// init sets g up; base is the origin of its clock (see [gate.now]).
func (g *gate) init(limit int, c *config, rejectErr *LimitedError, base time.Time) {
	g.limit = limit
	g.maxWaiting = c.maxWaiting
	g.maxWait = c.maxWait
	g.lifo = c.lifo
	g.rejectErr = rejectErr
	g.clock = c.clock
	g.base = base
}

// now is the time on the limiter's clock, in nanoseconds since base.
func (g *gate) now() int64 { return sinceOn(g.clock, g.base) }

// tryLocked admits a call if a place is free, and says whether it did.
func (g *gate) tryLocked() bool {
	if g.inflight < g.limit && g.waiting == 0 {
		g.inflight++
		g.admitted++
		return true
	}
	return false
}

// acquire admits a call, waiting if it must and may. It locks g.mu itself.
func (g *gate) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		g.mu.Lock()
		g.canceled++
		g.mu.Unlock()
		return err
	}
	g.mu.Lock()
	if g.tryLocked() {
		g.mu.Unlock()
		return nil
	}
	if g.waiting >= g.maxWaiting {
		g.rejected++
		g.mu.Unlock()
		return g.rejectErr
	}
	w := &waiter{ready: make(chan struct{}), since: g.now()}
	g.pushLocked(w)
	g.mu.Unlock()
	return g.wait(ctx, w)
}

// try admits a call if a place is free now, without waiting.
func (g *gate) try() error {
	g.mu.Lock()
	ok := g.tryLocked()
	if !ok {
		g.rejected++
	}
	g.mu.Unlock()
	if !ok {
		return g.rejectErr
	}
	return nil
}

// wait waits until w is granted, ctx ends or the max wait passes.
func (g *gate) wait(ctx context.Context, w *waiter) error {
	if g.clock != nil {
		return g.waitClock(ctx, w)
	}
	var expired <-chan time.Time
	if g.maxWait > 0 {
		t := time.NewTimer(g.maxWait)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		return g.abandon(w, ctx.Err())
	case <-expired:
		return g.abandon(w, g.rejectErr)
	}
}

// abandon ends the wait of w with err. If w was granted meanwhile, a
// place given up for ctx goes to the next waiter (as x/sync/semaphore
// does), and a place granted as the max wait passed is kept.
func (g *gate) abandon(w *waiter, err error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if w.granted {
		if err == g.rejectErr {
			return nil
		}
		g.canceled++
		g.admitted--
		g.waited--
		g.waitTime -= time.Duration(w.since)
		g.releaseLocked()
		return err
	}
	g.removeLocked(w)
	if err == g.rejectErr {
		g.rejected++
	} else {
		g.canceled++
	}
	return err
}

// releaseLocked ends one call in flight and gives free places to waiters.
// It ignores a release with no call in flight (a misuse), and reports
// whether it ended one.
func (g *gate) releaseLocked() bool {
	if g.inflight == 0 {
		return false
	}
	g.inflight--
	g.grantLocked()
	return true
}

// grantLocked gives free places to waiters, oldest first (FIFO) or newest
// first (LIFO).
func (g *gate) grantLocked() {
	if g.waiting == 0 || g.inflight >= g.limit {
		return
	}
	now := g.now()
	for g.waiting > 0 && g.inflight < g.limit {
		w := g.head
		if g.lifo {
			w = g.tail
		}
		g.removeLocked(w)
		w.granted = true
		g.inflight++
		g.admitted++
		g.waited++
		w.since = now - w.since
		g.waitTime += time.Duration(w.since)
		close(w.ready)
		if w.wake != nil {
			w.wake()
		}
	}
}

func (g *gate) pushLocked(w *waiter) {
	w.prev = g.tail
	if g.tail != nil {
		g.tail.next = w
	} else {
		g.head = w
	}
	g.tail = w
	g.waiting++
}

func (g *gate) removeLocked(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		g.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		g.tail = w.prev
	}
	w.prev, w.next = nil, nil
	g.waiting--
}

// statsLocked returns the counts.
func (g *gate) statsLocked() Stats {
	return Stats{
		Limit:    g.limit,
		InFlight: g.inflight,
		Waiting:  g.waiting,
		Admitted: g.admitted,
		Rejected: g.rejected,
		Canceled: g.canceled,
		Waited:   g.waited,
		WaitTime: g.waitTime,
	}
}
