package sim

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/holdfast-go/holdfast/internal/vclock"
)

// Epoch is the virtual time at which every run starts: far in the future,
// so that a context deadline set on virtual time by code that (wrongly)
// reads package time never fires in real time.
var Epoch = time.Date(2200, time.January, 1, 0, 0, 0, 0, time.UTC)

// Clock is the simulator's virtual clock and scheduler. It satisfies the
// Clock interface of retry, breaker and fanout (and of every holdfast
// package with a WithClock option): pass it to their WithClock.
//
// One goroutine of the simulation runs at a time. Each is an actor, started
// by the simulator or by a package through [Clock.Go], and it gives up its
// turn only by blocking in [Clock.Wait] or [Clock.Park], or by returning;
// it then hands the turn on itself, with no scheduler goroutine in
// between: to the next actor in the run queue, else to the first actor (in
// the order they began to wait) whose channel is ready or, parked, that
// was woken, else it moves time to the next timer, runs that timer's
// function and looks again. An actor whose own wait ends first just goes
// on running. A run is therefore a function of its seed: the order in
// which actors run is the clock's, not the Go scheduler's, and time moves
// only when every actor is blocked.
//
// A Clock is used by the goroutines of one run only; its methods must not be
// called from goroutines it did not start (nor from AfterFunc functions
// running after the run ended).
type Clock struct {
	now     time.Duration // since Epoch
	seq     uint64
	timers  timerHeap
	runq    []*actor
	waiters []*actor // blocked in Wait, in the order they began to wait
	// parked holds the actors blocked in Park, and woken those of them
	// woken since the last poll.
	parked  map[*actor]struct{}
	woken   []*actor
	waitSeq uint64        // numbers the waits, in the order they begin
	cur     *actor        // the actor that has the turn
	done    chan struct{} // the run is over
	live    int           // actors started and not returned
	idle    []*actor      // actors whose goroutine waits for a function to run
	// aborting is set when the run ended with actors blocked.
	aborting bool
	// err is the first panic (or runtime.Goexit) of an actor: it ends the
	// run.
	err *PanicError
	// chanWaits counts the waits on a channel (in Wait, not parked), which
	// every poll looks at.
	chanWaits int
}

// The clock is a vclock.Parker: the packages' sleeps and timeouts tell it
// when they end (see [Clock.Park]).
var _ vclock.Parker = (*Clock)(nil)

// actor is a goroutine of the simulation.
type actor struct {
	resume chan struct{}
	f      func() // what it runs; nil when idle
	wait   <-chan struct{}
	seq    uint64 // of its current wait
	// park counts the actor's calls of Park; woken is set when the wake
	// function of the current one is called.
	park  uint64
	woken bool
}

func newClock() *Clock {
	return &Clock{done: make(chan struct{}, 1), parked: make(map[*actor]struct{})}
}

// Now returns the virtual time.
func (c *Clock) Now() time.Time { return Epoch.Add(c.now) }

// Since returns the virtual time elapsed since the run began.
func (c *Clock) Since() time.Duration { return c.now }

// AfterFunc runs f on the clock's own goroutine when the virtual time has
// moved on by d, unless the returned timer is stopped first. f must not
// block: it may cancel contexts, start actors and set timers.
func (c *Clock) AfterFunc(d time.Duration, f func()) interface{ Stop() bool } {
	t := &timer{c: c, at: c.now + max(d, 0), seq: c.seq, f: f, index: -1}
	c.seq++
	c.timers.push(t)
	return t
}

// Go starts f on a new actor. It runs when its turn comes, after the actors
// already waiting to run. Called by a deferred call of an actor that a
// failed run is ending, Go does nothing.
func (c *Clock) Go(f func()) {
	if c.aborting {
		return // from a deferred call of an actor being ended: the run is over
	}
	var a *actor
	if n := len(c.idle); n > 0 {
		a = c.idle[n-1]
		c.idle[n-1] = nil
		c.idle = c.idle[:n-1]
	} else {
		a = &actor{resume: make(chan struct{}, 1)}
		go c.work(a)
	}
	a.f = f
	c.live++
	c.runq = append(c.runq, a)
}

// work is the goroutine of actor a: it runs a's functions, one per turn
// of Go, and waits among the idle actors for the next, until run ends it
// (with a nil function) or aborts it (with runtime.Goexit). Reusing
// goroutines spares a run the start and the stack growth of one per
// request. A function that panics or calls runtime.Goexit ends the run:
// the goroutine records it as a [PanicError] and hands the turn on, and
// the clock then runs nothing more (see run).
func (c *Clock) work(a *actor) {
	returned := false
	defer func() {
		if returned || c.aborting {
			if v := recover(); v != nil {
				c.fail(newPanicError(v)) // in a deferred call of an aborted actor
			}
			c.done <- struct{}{}
			return
		}
		c.fail(newPanicError(recover()))
		c.forget(a)
		c.pass(nil)
	}()
	<-a.resume
	for a.f != nil && !c.aborting {
		a.f()
		a.f = nil
		c.live--
		c.idle = append(c.idle, a)
		c.handoff(a)
	}
	returned = true
}

// Wait blocks the calling actor until a receive from ch can proceed, and
// receives. The actor gives up its turn meanwhile. Only an actor (a
// goroutine started by the simulator or by [Clock.Go]) may call it.
func (c *Clock) Wait(ch <-chan struct{}) {
	select {
	case <-ch:
		return
	default:
	}
	a := c.cur
	a.wait = ch
	c.chanWaits++
	a.seq = c.waitSeq
	c.waitSeq++
	c.waiters = append(c.waiters, a)
	c.handoff(a)
}

// Park blocks the calling actor until the function passed to arm is
// called: arm sets up what will wake it (a timer, a watch of a context
// with internal/vclock's Watch, a record that another actor will call).
// If arm calls it, Park returns at once; calls once Park has returned do
// nothing. It is [Clock.Wait] for waits whose end the clock is told of:
// the clock looks at a parked actor only once it is woken, where it looks
// at every actor blocked in Wait each time it looks for one that can run.
// A woken actor runs in the same order as in Wait: with those whose
// channel is ready, in the order they began to wait. Only an actor may
// call it, and the wake function may be called only where the Clock's
// methods may: by an actor or a function run by [Clock.AfterFunc].
func (c *Clock) Park(arm func(wake func())) {
	a := c.cur
	a.park++
	a.woken = false
	n := a.park
	blocked := false
	arm(func() {
		if a.park != n || a.woken {
			return
		}
		a.woken = true
		if blocked {
			c.woken = append(c.woken, a)
		}
	})
	if a.woken {
		return
	}
	blocked = true
	a.seq = c.waitSeq
	c.waitSeq++
	c.parked[a] = struct{}{}
	c.handoff(a)
}

// handoff gives the turn of self to the next actor, on the calling
// goroutine: it runs the timers due until an actor can run, resumes it
// and, unless that is self, parks self. When no actor can run and no
// timer is left, the run is over.
func (c *Clock) handoff(self *actor) {
	if c.aborting {
		// A deferred call of an actor being ended waits: nothing will wake
		// it, the run is over.
		runtime.Goexit()
	}
	if !c.pass(self) {
		return
	}
	<-self.resume
	if c.aborting {
		runtime.Goexit() // the run is over with self blocked: see run
	}
}

// pass gives the turn to the next actor and reports true, or reports
// false when that is self (nil: the caller is no actor's goroutine any
// more); when no actor can run and no timer is left, it tells run that
// the run is over.
func (c *Clock) pass(self *actor) bool {
	a := c.next()
	switch {
	case a == self && a != nil:
		return false
	case a == nil:
		c.done <- struct{}{}
	default:
		c.cur = a
		a.resume <- struct{}{}
	}
	return true
}

// next runs timers, in time order, until an actor can run, and returns it;
// nil when none can and no timer is left, or when an actor panicked.
func (c *Clock) next() *actor {
	for c.err == nil {
		if len(c.runq) > 0 {
			a := c.runq[0]
			c.runq[0] = nil
			c.runq = c.runq[1:]
			return a
		}
		if c.poll() {
			continue
		}
		if len(c.timers) == 0 {
			return nil
		}
		t := c.timers.pop()
		c.now = t.at
		c.fire(t)
	}
	return nil
}

// fire runs t's function. A panic there stops the run as an actor's does;
// it is recovered here, where it would otherwise go up the stack of the
// actor whose handoff runs the timers (an actor blocked or idle, that
// work would take for one that ended).
func (c *Clock) fire(t *timer) {
	defer func() {
		if v := recover(); v != nil {
			c.fail(newPanicError(v))
		}
	}()
	t.f()
}

// forget ends the accounts of actor a, whose goroutine ends with a panic
// or runtime.Goexit: of an actor that ended, or, when a timer function run
// by its handoff called runtime.Goexit, of one that was blocked or idle.
func (c *Clock) forget(a *actor) {
	if i := slices.Index(c.idle, a); i >= 0 {
		c.idle = slices.Delete(c.idle, i, i+1) // no longer live
	} else {
		c.live--
	}
	c.waiters = slices.DeleteFunc(c.waiters, func(w *actor) bool { return w == a })
	delete(c.parked, a)
}

// fail records err, unless an actor panicked before.
func (c *Clock) fail(err *PanicError) {
	if c.err == nil {
		c.err = err
	}
}

// run runs the simulation until no actor can run and no timer is left. It
// returns an error if actors remain blocked then (they wait for something
// that is not on the clock); their goroutines are ended. When an actor
// panics (or calls runtime.Goexit), the run stops there: the other actors'
// goroutines are ended, and run returns the [PanicError].
func (c *Clock) run() error {
	if a := c.next(); a != nil {
		c.cur = a
		a.resume <- struct{}{}
		<-c.done
	}
	for _, a := range c.idle {
		a.resume <- struct{}{} // a.f is nil: its goroutine returns
		<-c.done
	}
	c.idle = nil
	if c.live > 0 {
		c.abort()
	}
	if c.err != nil {
		return c.err
	}
	if c.live > 0 {
		return fmt.Errorf("sim: %d goroutines blocked with no timer left to wake them", c.live)
	}
	return nil
}

// abort ends the goroutines of the actors left blocked, one at a time, with
// runtime.Goexit (their deferred calls run), so that a failed run leaks
// none; and, when the run stopped at a panic, those of the actors waiting
// for their turn (one not started yet returns at once).
func (c *Clock) abort() {
	c.aborting = true
	blocked := c.waiters
	for a := range c.parked {
		blocked = append(blocked, a)
	}
	slices.SortFunc(blocked, func(a, b *actor) int { return cmp.Compare(a.seq, b.seq) })
	for _, a := range append(c.runq, blocked...) {
		a.resume <- struct{}{}
		<-c.done
	}
	c.runq, c.waiters, c.parked = nil, nil, nil
}

// poll moves the waiters whose channel is ready and the parked actors that
// were woken to the run queue, in the order they began to wait, and
// reports whether it moved any.
func (c *Clock) poll() bool {
	start := len(c.runq)
	kept := c.waiters[:0]
	for _, a := range c.waiters {
		select {
		case <-a.wait:
			c.runq = append(c.runq, a)
		default:
			kept = append(kept, a)
		}
	}
	clear(c.waiters[len(kept):])
	c.waiters = kept
	if len(c.woken) > 0 {
		for _, a := range c.woken {
			delete(c.parked, a)
		}
		c.runq = append(c.runq, c.woken...)
		clear(c.woken)
		c.woken = c.woken[:0]
		slices.SortFunc(c.runq[start:], func(a, b *actor) int { return cmp.Compare(a.seq, b.seq) })
	}
	return len(c.runq) > start
}
