package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Hedge calls fn and, if it has not succeeded after delay, calls it again
// (a hedged request, from Dean and Barroso's "The Tail at Scale"), and again
// each delay after that, up to [DefaultMaxAttempts] (or [WithMaxAttempts])
// calls in all. A call that fails starts the next one at once, without
// waiting for the delay, as gRPC's hedging does. The first success wins: the
// other calls' context is cancelled, and Hedge returns once they have
// returned. If every call fails, Hedge returns the [errors.Join] of their
// errors in the order the calls started.
//
// Hedge trades load for latency: use it only for idempotent calls, and set
// delay near the latency the call meets most of the time (its 95th
// percentile, say), so that about one call in twenty is doubled. A delay of
// 0 starts every call at once.
//
// If ctx is done, Hedge cancels the calls, waits for them, and returns
// context.Cause(ctx). A panic in fn cancels the other calls and is returned
// as a [*PanicError]. A nil ctx, a negative delay, a nil fn, or a bad
// option is an error. Options: [WithMaxAttempts], [WithTaskTimeout] (a deadline for each
// call), [WithClock] (virtual time).
func Hedge[R any](ctx context.Context, fn func(context.Context) (R, error), delay time.Duration, opts ...HedgeOption) (R, error) {
	var zero R
	if ctx == nil {
		return zero, errNilContext
	}
	if fn == nil {
		return zero, errNilFunc("Hedge", "fn")
	}
	if delay < 0 {
		return zero, fmt.Errorf("fanout: Hedge: delay must be >= 0, got %v", delay)
	}
	cfg, err := newConfig(opts, HedgeOption.applyHedge)
	if err != nil {
		return zero, err
	}
	if ctx.Err() != nil {
		return zero, context.Cause(ctx)
	}
	if cfg.clock != nil {
		return hedgeClock(ctx, fn, delay, cfg)
	}
	h := &hedger[R]{fn: fn, timeout: cfg.timeout, results: make(chan attempt[R]), parent: ctx, observer: cfg.hedgeObserver}
	h.ctx, h.cancel = context.WithCancelCause(ctx)
	defer h.stop()
	return h.race(cfg.maxAttempts, delay)
}

type attempt[R any] struct {
	n        int
	v        R
	err      error
	panicked bool
}

// hedger is one call of Hedge. Only the attempts started take memory, so
// that a maximum far above the attempts made costs nothing.
type hedger[R any] struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	fn      func(context.Context) (R, error)
	timeout time.Duration
	results chan attempt[R]
	wg      sync.WaitGroup
	errs    []error // one per attempt started, in order: its error once it failed

	parent   context.Context // Hedge's ctx, for the observer
	observer HedgeObserver
}

// race starts attempts on schedule and returns the first success.
func (h *hedger[R]) race(attempts int, delay time.Duration) (R, error) {
	var zero R
	h.start()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for running := 1; ; {
		select {
		case a := <-h.results:
			running--
			switch {
			case a.err == nil:
				return a.v, nil
			case a.panicked:
				return zero, a.err
			}
			h.errs[a.n] = a.err
			if len(h.errs) < attempts {
				h.observeHedge(len(h.errs), true)
				h.start()
				running++
				timer.Reset(delay)
			} else if running == 0 {
				return zero, errors.Join(h.errs...)
			}
		case <-timer.C:
			if len(h.errs) < attempts {
				h.observeHedge(len(h.errs), false)
				h.start()
				running++
				timer.Reset(delay)
			}
		case <-h.ctx.Done():
			return zero, context.Cause(h.ctx)
		}
	}
}

// start runs the next attempt on a goroutine of its own.
func (h *hedger[R]) start() {
	n := len(h.errs)
	h.errs = append(h.errs, nil)
	h.wg.Add(1)
	go h.attempt(n)
}

func (h *hedger[R]) attempt(n int) {
	defer h.wg.Done()
	ok := false
	defer func() {
		if !ok {
			pe := newPanicError(recover())
			h.cancel(pe)
			h.send(attempt[R]{n: n, err: pe, panicked: true})
		}
	}()
	a := attempt[R]{n: n}
	if h.timeout > 0 {
		a.v, a.err = h.callTimeout()
	} else {
		a.v, a.err = h.fn(h.ctx)
	}
	ok = true
	h.send(a)
}

// send hands a to race, unless h.ctx is done: race then returns without
// reading more (with the panic as the context's cause, if there was one).
func (h *hedger[R]) send(a attempt[R]) {
	select {
	case h.results <- a:
	case <-h.ctx.Done():
	}
}

func (h *hedger[R]) callTimeout() (R, error) {
	ctx, cancel := context.WithTimeout(h.ctx, h.timeout)
	defer cancel()
	return h.fn(ctx)
}

// stop cancels the attempts still running and waits for them.
func (h *hedger[R]) stop() {
	h.cancel(nil)
	h.wg.Wait()
}
