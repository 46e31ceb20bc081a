package fanout

import (
	"context"
	"errors"
	"sync"
	"time"
)

// hedger is one call of Hedge, on package time or on a Clock: one race, the
// same in both, whose few primitives (start a goroutine, set the timer,
// wait, wake) each choose between the two with a nil check of more.
//
// The attempts report under mu rather than on a channel and never block, so
// that on a Clock every block is a Clock.Wait: they record their outcome
// and wake the race, with a token on wake (package time) or a broadcast
// (a Clock). Only the attempts started take memory, so that a maximum far
// above the attempts made costs nothing; what only a Clock or an observer
// needs is in more, nil on the hot path, so that a plain Hedge is no
// larger than it was before the clock.
type hedger[R any] struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	fn      func(context.Context) (R, error)
	timeout time.Duration

	mu   sync.Mutex
	errs []error // one per attempt started, in order: its error once it failed
	v    R       // the first success, once won
	// running and failed are int32 so that panicErr takes no room: each
	// attempt running is a goroutine, far fewer than 1<<31.
	running  int32       // attempts started and not yet finished
	failed   int32       // failures not yet seen by race
	panicErr *PanicError // the first panic, even one after ctx was done
	won      bool
	fired    bool // the delay passed, not yet seen by race

	wake  chan struct{} // package time: a token once the state under mu changed
	timer *time.Timer   // package time: the delay
	more  *hedgeMore
}

// hedgeMore is the part of a hedger that only a Clock or an observer
// needs.
type hedgeMore struct {
	clock    Clock
	progress *clockCond // wakes race; ends once ctx is done
	idle     *clockCond // wakes stop
	timer    interface{ Stop() bool }
	armed    int // timers set so far: a tick of an earlier one is stale

	parent   context.Context // Hedge's ctx, for the observer
	observer HedgeObserver
}

// hedge events: what next saw.
const (
	hedgeDone   = iota // ctx is done
	hedgeWon           // an attempt succeeded
	hedgeFailed        // an attempt failed
	hedgeFired         // the delay passed
)

func newHedger[R any](ctx context.Context, fn func(context.Context) (R, error), cfg *config) *hedger[R] {
	h := &hedger[R]{fn: fn, timeout: cfg.timeout}
	h.ctx, h.cancel = context.WithCancelCause(ctx)
	if cfg.clock != nil || cfg.hedgeObserver != nil {
		h.more = &hedgeMore{clock: cfg.clock, parent: ctx, observer: cfg.hedgeObserver}
	}
	if cfg.clock != nil {
		h.more.progress = newClockCond(cfg.clock, h.ctx)
		h.more.idle = newClockCond(cfg.clock, context.Background())
	} else {
		h.wake = make(chan struct{}, 1)
	}
	return h
}

// clock returns the Clock, nil for package time.
func (h *hedger[R]) clock() Clock {
	if h.more == nil {
		return nil
	}
	return h.more.clock
}

// race starts attempts on schedule and returns the first success.
func (h *hedger[R]) race(attempts int, delay time.Duration) (R, error) {
	var zero R
	h.start()
	h.arm(delay)
	defer h.disarm()
	for {
		switch ev, v := h.next(); ev {
		case hedgeDone:
			// A panic cancelled ctx with the PanicError as its cause.
			return zero, context.Cause(h.ctx)
		case hedgeWon:
			return v, nil
		case hedgeFired:
			if len(h.errs) < attempts {
				h.observeHedge(len(h.errs), false)
				h.start()
				h.arm(delay)
			}
		case hedgeFailed:
			// A failure starts the next attempt at once and restarts the
			// delay.
			if len(h.errs) < attempts {
				h.observeHedge(len(h.errs), true)
				h.start()
				h.arm(delay)
			} else if h.settled() {
				return zero, errors.Join(h.errs...)
			}
		}
	}
}

// next waits until an attempt has finished, the delay has passed, or ctx is
// done, and says which (with the value of a success).
func (h *hedger[R]) next() (int, R) {
	var zero R
	for {
		e := h.epoch(true)
		h.mu.Lock()
		switch {
		case h.ctx.Err() != nil:
			h.mu.Unlock()
			return hedgeDone, zero
		case h.won:
			v := h.v
			h.mu.Unlock()
			return hedgeWon, v
		case h.failed > 0:
			h.failed--
			h.mu.Unlock()
			return hedgeFailed, zero
		case h.fired:
			h.fired = false
			h.mu.Unlock()
			return hedgeFired, zero
		}
		h.mu.Unlock()
		h.wait(e, true)
	}
}

// settled reports whether every attempt has finished and been seen.
func (h *hedger[R]) settled() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.running == 0 && h.failed == 0
}

// start runs the next attempt on a goroutine of its own.
func (h *hedger[R]) start() {
	h.mu.Lock()
	n := len(h.errs)
	h.errs = append(h.errs, nil)
	h.running++
	h.mu.Unlock()
	if c := h.clock(); c != nil {
		c.Go(func() { h.attempt(n) })
		return
	}
	go h.attempt(n)
}

func (h *hedger[R]) attempt(n int) {
	ok := false
	defer func() {
		if !ok {
			// race returns the cause, the PanicError, unless ctx was done
			// already; result returns it in every case.
			pe := newPanicError(recover())
			h.mu.Lock()
			if h.panicErr == nil {
				h.panicErr = pe
			}
			h.mu.Unlock()
			h.cancel(pe)
			h.finish(n, *new(R), nil)
		}
	}()
	var v R
	var err error
	if h.timeout > 0 {
		v, err = h.callTimeout()
	} else {
		v, err = h.fn(h.ctx)
	}
	ok = true
	h.finish(n, v, err)
}

func (h *hedger[R]) callTimeout() (R, error) {
	ctx, cancel := withTimeout(h.ctx, h.clock(), h.timeout)
	defer cancel()
	return h.fn(ctx)
}

// finish records the outcome of attempt n and wakes race (or stop). A
// panic's outcome (err nil, ctx cancelled) counts as neither.
func (h *hedger[R]) finish(n int, v R, err error) {
	h.mu.Lock()
	h.running--
	switch {
	case err != nil:
		h.errs[n] = err
		h.failed++
	case h.ctx.Err() == nil && !h.won:
		h.won, h.v = true, v
	}
	h.mu.Unlock()
	h.notify()
}

// run races the attempts, then cancels those still running and waits for
// them. A panic in any of them, even one that came after a success or after
// ctx was done, is returned rather than lost.
func (h *hedger[R]) run(attempts int, delay time.Duration) (R, error) {
	v, err := h.raceAndStop(attempts, delay)
	// stop has seen every attempt finish under mu: panicErr is final.
	if h.panicErr != nil {
		var zero R
		return zero, h.panicErr
	}
	return v, err
}

func (h *hedger[R]) raceAndStop(attempts int, delay time.Duration) (R, error) {
	defer h.stop()
	return h.race(attempts, delay)
}

// stop cancels the attempts still running and waits for them.
func (h *hedger[R]) stop() {
	h.cancel(nil)
	for {
		e := h.epoch(false)
		h.mu.Lock()
		running := h.running
		h.mu.Unlock()
		if running == 0 {
			return
		}
		h.wait(e, false)
	}
}
