package holdfastotel

import (
	"context"
	"sync"
	"time"

	"github.com/holdfast-go/holdfast/cache"
)

// CacheObserver is a [cache.Observer] that records the time each load of
// a cache takes (the loader call a miss or a refresh makes) in
// holdfast.cache.load_time, with error.type when the loader failed:
// "not_found" for [cache.ErrNotFound] (the source has no value; not a
// failure in [cache.Stats].LoadErrors), "panic" for a loader that
// panicked, else [ErrorType]'s. The histogram's count per error.type is
// the count of loads by outcome. Make one per cache with
// [Instrumentation.CacheObserver] and pass it to [cache.WithObserver]; the
// cache's counts come from [Instrumentation.ObserveCache].
//
// Cost per load: one histogram value with a precomputed attribute set (no
// allocation with the OpenTelemetry SDK) and the cache's two clock reads;
// hits pay nothing. Loads get no span of their own: wrap the loader in a
// [Dependency] for one.
type CacheObserver struct {
	in     *Instrumentation
	name   string
	ok     attrs
	failed sync.Map // error.type -> attrs
}

var _ cache.Observer = (*CacheObserver)(nil)

// CacheObserver returns the observer of the cache called name.
func (in *Instrumentation) CacheObserver(name string) (*CacheObserver, error) {
	if err := checkName("CacheObserver", name); err != nil {
		return nil, err
	}
	return &CacheObserver{in: in, name: name, ok: newAttrs(name)}, nil
}

// Loading implements [cache.Observer]; it returns ctx.
func (o *CacheObserver) Loading(ctx context.Context) context.Context { return ctx }

// Loaded implements [cache.Observer]: it records the loader's time.
func (o *CacheObserver) Loaded(ctx context.Context, elapsed time.Duration, err error) {
	a := o.ok
	if err != nil {
		a = o.errAttrs(typeOfLoadError(err))
	}
	o.in.inst.hooks.cacheLoadTime.Record(ctx, elapsed.Seconds(), a.rec...)
}

func typeOfLoadError(err error) string {
	if err == cache.ErrLoaderPanicked {
		return ErrorTypePanic
	}
	return ErrorType(err)
}

func (o *CacheObserver) errAttrs(et string) attrs {
	if a, ok := o.failed.Load(et); ok {
		return a.(attrs)
	}
	a, _ := o.failed.LoadOrStore(et, newAttrs(o.name, errorKey.String(et)))
	return a.(attrs)
}
