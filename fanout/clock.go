package fanout

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/holdfast-go/holdfast/internal/vclock"
)

// Clock is a time source for fanout: [WithClock] makes [Hedge] start its
// timers, its attempts' deadlines ([WithTaskTimeout]) and its goroutines
// through it, so that a simulator (package sim) can run it in virtual time.
// Nil (the default) is the real clock.
//
// Every holdfast package that reads the clock has a Clock with these four
// methods, so that one value satisfies them all (see retry.Clock). With a
// Clock set, Hedge starts each attempt with Go and blocks only in Wait, so
// that a simulator knows when its goroutines are all blocked.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) interface{ Stop() bool }
	Go(f func())
	Wait(ch <-chan struct{})
}

// WithClock makes [Hedge] use c: the delay before each backup call is a
// timer of c, the attempts run on goroutines started by c.Go, their
// timeouts ([WithTaskTimeout]) are timers of c, and Hedge waits for them in
// c.Wait. Unset, Hedge uses package time and the go statement. c must not
// be nil. Read by [Hedge].
func WithClock(c Clock) HedgeOption {
	return hedgeOption(func(cfg *config) error {
		if c == nil {
			return errors.New("fanout: WithClock: clock must not be nil")
		}
		cfg.clock = c
		return nil
	})
}

// clockHedger is one call of Hedge on a Clock. Attempts hand their results
// over under mu rather than on a channel, and wake the racing goroutine by
// cancelling the context it waits on, so that every block is a Clock.Wait.
type clockHedger[R any] struct {
	clock   Clock
	ctx     context.Context
	cancel  context.CancelCauseFunc
	fn      func(context.Context) (R, error)
	timeout time.Duration

	mu      sync.Mutex
	done    []attempt[R] // finished, not yet seen by race
	fired   bool         // the delay passed, not yet seen by race
	wake    context.CancelFunc
	running int
	errs    []error
}

func hedgeClock[R any](ctx context.Context, fn func(context.Context) (R, error), delay time.Duration, cfg config) (R, error) {
	h := &clockHedger[R]{clock: cfg.clock, fn: fn, timeout: cfg.timeout}
	h.ctx, h.cancel = context.WithCancelCause(ctx)
	defer h.stop()
	return h.race(cfg.maxAttempts, delay)
}

// race starts attempts on schedule and returns the first success, as
// hedger.race does.
func (h *clockHedger[R]) race(attempts int, delay time.Duration) (R, error) {
	var zero R
	h.start()
	timer := h.clock.AfterFunc(delay, h.tick)
	defer func() { timer.Stop() }()
	for {
		if h.ctx.Err() != nil {
			return zero, context.Cause(h.ctx)
		}
		done, fired := h.next(h.ctx)
		for _, a := range done {
			// A failure starts the next attempt at once and restarts the
			// delay: a tick seen with it is then stale.
			switch {
			case a.err == nil:
				return a.v, nil
			case a.panicked:
				return zero, a.err
			}
			h.errs[a.n] = a.err
			if len(h.errs) < attempts {
				h.start()
				timer.Stop()
				timer = h.clock.AfterFunc(delay, h.tick)
				fired = false
			} else if h.idle() {
				return zero, errors.Join(h.errs...)
			}
		}
		if fired && len(h.errs) < attempts {
			h.start()
			timer = h.clock.AfterFunc(delay, h.tick)
		}
	}
}

// next waits until an attempt has finished or the delay has passed (or
// parent is done), and returns what happened.
func (h *clockHedger[R]) next(parent context.Context) ([]attempt[R], bool) {
	h.mu.Lock()
	if len(h.done) == 0 && !h.fired {
		wctx, wake := context.WithCancel(parent)
		h.wake = wake
		h.mu.Unlock()
		h.clock.Wait(wctx.Done())
		wake()
		h.mu.Lock()
		h.wake = nil
	}
	done, fired := h.done, h.fired
	h.done, h.fired = nil, false
	h.mu.Unlock()
	return done, fired
}

func (h *clockHedger[R]) idle() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.running == 0
}

// tick records that the delay has passed.
func (h *clockHedger[R]) tick() {
	h.mu.Lock()
	h.fired = true
	h.notify()
	h.mu.Unlock()
}

// notify wakes race if it waits. h.mu is held.
func (h *clockHedger[R]) notify() {
	if h.wake != nil {
		h.wake()
	}
}

// start runs the next attempt on a goroutine of the clock's.
func (h *clockHedger[R]) start() {
	n := len(h.errs)
	h.errs = append(h.errs, nil)
	h.mu.Lock()
	h.running++
	h.mu.Unlock()
	h.clock.Go(func() { h.attempt(n) })
}

func (h *clockHedger[R]) attempt(n int) {
	ok := false
	defer func() {
		if !ok {
			pe := newPanicError(recover())
			h.cancel(pe)
			h.finish(attempt[R]{n: n, err: pe, panicked: true})
		}
	}()
	a := attempt[R]{n: n}
	if h.timeout > 0 {
		ctx, cancel := vclock.WithTimeout(h.ctx, h.clock, h.timeout)
		a.v, a.err = h.fn(ctx)
		cancel()
	} else {
		a.v, a.err = h.fn(h.ctx)
	}
	ok = true
	h.finish(a)
}

// finish hands a to race and wakes it.
func (h *clockHedger[R]) finish(a attempt[R]) {
	h.mu.Lock()
	h.running--
	h.done = append(h.done, a)
	h.notify()
	h.mu.Unlock()
}

// stop cancels the attempts still running and waits for them in Wait.
func (h *clockHedger[R]) stop() {
	h.cancel(nil)
	for !h.idle() {
		h.next(context.Background())
	}
}
