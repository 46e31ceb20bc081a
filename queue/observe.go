package queue

import (
	"context"
	"errors"
	"time"
)

// Observer sees each item a [Pool]'s handler runs on, with the context
// the handler gets, for tracing and for the time items take (the otel
// module's adapter implements it). Set it with [WithObserver]; the counts
// of items are in [Pool.Stats] and need no observer.
//
// The methods run on the worker, around the handler: Handling, the
// handler, Handled. They must not block.
//
// Cost: unset, an item pays one nil check. Set, an item pays the two
// interface calls, two clock reads and a deferred function (so that a
// handler that panics is seen too), plus the observer's own cost.
type Observer interface {
	// Handling is called before the handler runs on an item. The context
	// it returns is the handler's (within [WithItemTimeout]'s, if set);
	// returning ctx itself is fine.
	Handling(ctx context.Context) context.Context
	// Handled is called when the handler returns, with the context
	// Handling returned, the time the handler took, and its error: nil,
	// its error, or [ErrHandlerPanicked] when it panicked (the
	// [PanicError] goes to the pool's error hook as before).
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

// callObserved is call with an observer. Handled gets the context
// Handling returned, not the item timeout's child of it.
func (p *Pool[T]) callObserved(ctx context.Context, v T) (err error) {
	octx := p.observer.Handling(ctx)
	start := time.Now()
	ended := false
	defer func() {
		if !ended {
			p.observer.Handled(octx, time.Since(start), ErrHandlerPanicked)
		}
	}()
	ctx = octx
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	err = p.handler(ctx, v)
	ended = true
	p.observer.Handled(octx, time.Since(start), err)
	return err
}
