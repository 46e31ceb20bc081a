package queue

import (
	"context"
	"errors"
	"time"
)

// Observer sees each item a [Pool]'s handler runs on, with the context
// the handler gets, for tracing and for the time items wait and take (the
// otel module's adapter implements it). Set it with [WithObserver]; the
// counts of items are in [Pool.Stats] and need no observer.
//
// The methods run on the worker, around the handler: Handling, the
// handler, Handled. They must not block.
//
// Cost: unset, an item pays one nil check (per submit and per item
// handled). Set, an item pays three clock reads (one when it is
// submitted, two on the worker), the two interface calls and a deferred
// function (so that a handler that panics is seen too), plus the
// observer's own cost.
type Observer interface {
	// Handling is called before the handler runs on an item, with the
	// time the item waited: from the call of [Pool.Submit] or
	// [Pool.TrySubmit] that queued it (a Submit blocked on a full queue
	// counts) until now, when a worker is about to run the handler on it
	// (after the rate limiter's wait, if any). The context it returns is
	// the handler's (within [WithItemTimeout]'s, if set); returning ctx
	// itself is fine.
	Handling(ctx context.Context, waited time.Duration) context.Context
	// Handled is called when the handler returns, with the context
	// Handling returned, the time since Handling was called (the
	// handler's, plus Handling's own), and the handler's error: nil, its
	// error, or [ErrHandlerPanicked] when it panicked (the [PanicError]
	// goes to the pool's error hook as before).
	Handled(ctx context.Context, elapsed time.Duration, err error)
}

// ErrHandlerPanicked is the error an [Observer]'s Handled gets for a
// handler that panicked or called runtime.Goexit.
var ErrHandlerPanicked = errors.New("queue: handler panicked")

// WithObserver sets an [Observer] on a [Pool] (default none). A nil o is
// an error.
func WithObserver(o Observer) Option {
	return optionFunc(func(c *config) error {
		if o == nil {
			return errors.New("queue: WithObserver: nil Observer")
		}
		c.observer = o
		return nil
	})
}

// slot is an item in a pool's queue, with the time it was submitted
// (since the pool's epoch) if the pool has an observer, else 0. Carrying
// the time in every slot, rather than only when an observer is set, keeps
// one queue type per pool (two would double the code that moves items):
// BenchmarkPool shows no change at p < 0.05 for it, and BenchmarkPoolSlot
// measures a put and a get alone.
type slot[T any] struct {
	v  T
	at time.Duration
}

// slot returns v's slot, stamped with the time if the pool has an
// observer.
func (p *Pool[T]) slot(v T) slot[T] {
	if p.observer == nil {
		return slot[T]{v: v}
	}
	return slot[T]{v: v, at: time.Since(p.epoch)}
}

// callObserved is call with an observer. Handled gets the context
// Handling returned, not the item timeout's child of it. The monotonic
// clock is read twice here and once in slot: time.Since reads only that
// clock, which is cheaper than time.Now.
func (p *Pool[T]) callObserved(ctx context.Context, v slot[T]) (err error) {
	start := time.Since(p.epoch)
	octx := p.observer.Handling(ctx, start-v.at)
	ended := false
	defer func() {
		if !ended {
			p.observer.Handled(octx, time.Since(p.epoch)-start, ErrHandlerPanicked)
		}
	}()
	ctx = octx
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	err = p.handler(ctx, v.v)
	ended = true
	p.observer.Handled(octx, time.Since(p.epoch)-start, err)
	return err
}
