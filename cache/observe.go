package cache

import (
	"context"
	"errors"
	"time"
)

// Observer sees each load of a [Cache]: each call of a loader that a miss
// (or a background refresh) makes, with the load's context, for tracing
// and for the time loads take (the otel module's adapter implements it).
// Set it with [WithObserver]; the counts of loads and failed loads are in
// [Cache.Stats] and need no observer.
//
// The methods run on the load's goroutine, around the loader: Loading,
// the loader, Loaded. They must not block. Hits and Store reads are not
// observed.
//
// Cost: unset, a load pays one nil check, and a hit nothing. Set, a load
// pays two clock reads, the two interface calls and a deferred function
// (so that a loader that panics is seen too), plus the observer's own
// cost: next to a load (a goroutine, a Store read and write) it is small.
type Observer interface {
	// Loading is called before the loader runs, with the load's context
	// (detached from the callers', within [WithLoadTimeout]). The context
	// it returns is the loader's; returning ctx itself is fine.
	Loading(ctx context.Context) context.Context
	// Loaded is called when the loader returns, with the context Loading
	// returned, the time since Loading was called (the loader's, plus
	// Loading's own), and the loader's error: nil, its error ([ErrNotFound]
	// included: the source has no value, which is not a failure), or
	// [ErrLoaderPanicked] when it panicked or called runtime.Goexit (the
	// callers get the [*PanicError] as before).
	Loaded(ctx context.Context, elapsed time.Duration, err error)
}

// ErrLoaderPanicked is the error an [Observer]'s Loaded gets for a loader
// that panicked or called runtime.Goexit.
var ErrLoaderPanicked = errors.New("cache: loader panicked")

// WithObserver sets an [Observer] on a [Cache] (default none). A nil o is
// an error.
func WithObserver(o Observer) Option {
	return optionFunc(func(c *config) error {
		if o == nil {
			return errors.New("cache: WithObserver: nil Observer")
		}
		c.observer = o
		return nil
	})
}

// callLoader calls loader, through the observer if there is one.
func (c *Cache[V]) callLoader(ctx context.Context, loader func(context.Context) (V, error)) (V, error) {
	if c.cfg.observer == nil {
		return loader(ctx)
	}
	return c.loadObserved(ctx, loader)
}

// loadObserved is callLoader with an observer.
func (c *Cache[V]) loadObserved(ctx context.Context, loader func(context.Context) (V, error)) (v V, err error) {
	obs := c.cfg.observer
	start := time.Now()
	octx := obs.Loading(ctx)
	ended := false
	defer func() {
		if !ended {
			obs.Loaded(octx, time.Since(start), ErrLoaderPanicked)
		}
	}()
	v, err = loader(octx)
	ended = true
	obs.Loaded(octx, time.Since(start), err)
	return v, err
}
