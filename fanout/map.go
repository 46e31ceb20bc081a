package fanout

import "context"

// Map calls fn on every item, at most [DefaultLimit] (or [WithLimit]) at a
// time, and returns the results in the order of items.
//
// Map fails fast: the first error cancels the context passed to the calls
// still running, no new call starts, and Map returns that first error (never
// the context.Canceled of the calls it cancelled) and a nil slice. With
// [WithCollectAll] every item runs and Map returns all results, the zero
// value at each failed item, with the [errors.Join] of the failures.
//
// If ctx is done, Map starts no new call, waits for the calls running, and
// returns context.Cause(ctx). A panic in fn is returned as a [*PanicError]
// once the other calls are cancelled and have returned. Every goroutine
// Map starts has returned when Map returns.
//
// A nil items is treated as empty: Map returns an empty slice and no error.
// A nil ctx, a nil fn or a bad option is an error.
//
// Map runs min(limit, len(items)) workers, the calling goroutine being one
// of them, that claim items with an atomic counter; it makes no allocation
// and no context per item unless [WithTaskTimeout] asks for one. Its cost
// per item is a few tens of nanoseconds on top of fn's, several times less
// than a goroutine per item (see the package benchmarks).
func Map[T, R any](ctx context.Context, items []T, fn func(context.Context, T) (R, error), opts ...Option) ([]R, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if fn == nil {
		return nil, errNilFunc("Map", "fn")
	}
	cfg, err := newConfig(opts, Option.apply)
	if err != nil {
		return nil, err
	}
	out := make([]R, len(items))
	_, err = run(ctx, len(items), &cfg, func(ctx context.Context, i int) error {
		v, err := fn(ctx, items[i])
		if err == nil {
			out[i] = v
		}
		return err
	})
	if err != nil && !cfg.collectAll {
		return nil, err
	}
	return out, err
}

// ForEach calls fn on every item, at most [DefaultLimit] (or [WithLimit]) at
// a time. It is [Map] without results: it fails fast on the first error
// unless [WithCollectAll] is given, honours ctx, and recovers panics the same
// way, at the same cost. A nil ctx, a nil fn or a bad option is an error.
func ForEach[T any](ctx context.Context, items []T, fn func(context.Context, T) error, opts ...Option) error {
	if ctx == nil {
		return errNilContext
	}
	if fn == nil {
		return errNilFunc("ForEach", "fn")
	}
	cfg, err := newConfig(opts, Option.apply)
	if err != nil {
		return err
	}
	_, err = run(ctx, len(items), &cfg, func(ctx context.Context, i int) error {
		return fn(ctx, items[i])
	})
	return err
}

// A Result is the outcome of one item of [MapAll]: its value, or the error
// that fn returned for it. Value is the zero value when Err is not nil.
type Result[R any] struct {
	Value R
	Err   error
}

// MapAll calls fn on every item, at most [DefaultLimit] (or [WithLimit]) at
// a time, and returns every item's outcome in input order; one failure does
// not stop the others (Python's gather with return_exceptions=True). The
// error is the [errors.Join] of the failures in input order, nil when none,
// for callers that want one error.
//
// If ctx is done, MapAll starts no new call; the items that did not run get
// context.Cause(ctx) as their Err and the joined error ends with it. A panic
// in fn is a bug, not a result: it cancels the rest like in [Map], its item
// gets the [*PanicError], and so do the items that did not run.
//
// A nil items is treated as empty. A nil ctx, a nil fn or a bad option is an
// error and a nil slice.
func MapAll[T, R any](ctx context.Context, items []T, fn func(context.Context, T) (R, error), opts ...MapAllOption) ([]Result[R], error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if fn == nil {
		return nil, errNilFunc("MapAll", "fn")
	}
	cfg, err := newConfig(opts, MapAllOption.applyMapAll)
	if err != nil {
		return nil, err
	}
	cfg.collectAll = true
	out := make([]Result[R], len(items))
	errs, err := run(ctx, len(items), &cfg, func(ctx context.Context, i int) error {
		v, err := fn(ctx, items[i])
		if err == nil {
			out[i].Value = v
		}
		return err
	})
	for i, e := range errs {
		out[i].Err = e
	}
	return out, err
}
