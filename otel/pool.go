package holdfastotel

import (
	"context"
	"sync"
	"time"

	"github.com/holdfast-go/holdfast/queue"
)

// PoolObserver is a [queue.Observer] that records the time each item of a
// pool waited before its handler started in holdfast.queue.wait_time, and
// the time the handler took in holdfast.queue.handle_time, with
// error.type when the handler failed. Make one per pool with
// [Instrumentation.PoolObserver] and pass it to [queue.WithObserver]; the
// pool's counts come from [Instrumentation.ObservePool].
//
// Cost per item: two histogram values with precomputed attribute sets (no
// allocation with the OpenTelemetry SDK), and the pool's three reads of
// the monotonic clock (see BenchmarkPoolObserver). Items get no span: a
// worker's ctx is the pool's, not the submitter's.
type PoolObserver struct {
	in     *Instrumentation
	name   string
	ok     attrs
	failed sync.Map // error.type -> attrs
}

var _ queue.Observer = (*PoolObserver)(nil)

// PoolObserver returns the observer of the pool called name.
func (in *Instrumentation) PoolObserver(name string) (*PoolObserver, error) {
	if err := checkName("PoolObserver", name); err != nil {
		return nil, err
	}
	return &PoolObserver{in: in, name: name, ok: newAttrs(name)}, nil
}

// Handling implements [queue.Observer]: it records the time the item
// waited, and returns ctx.
func (o *PoolObserver) Handling(ctx context.Context, waited time.Duration) context.Context {
	o.in.inst.hooks.queueWaitTime.Record(ctx, waited.Seconds(), o.ok.rec...)
	return ctx
}

// Handled implements [queue.Observer]: it records the handler's time.
func (o *PoolObserver) Handled(ctx context.Context, elapsed time.Duration, err error) {
	a := o.ok
	if err != nil {
		a = o.errAttrs(typeOfHandlerError(err))
	}
	o.in.inst.queueHandleTime.Record(ctx, elapsed.Seconds(), a.rec...)
}

func typeOfHandlerError(err error) string {
	if err == queue.ErrHandlerPanicked {
		return ErrorTypePanic
	}
	return ErrorType(err)
}

func (o *PoolObserver) errAttrs(et string) attrs {
	if a, ok := o.failed.Load(et); ok {
		return a.(attrs)
	}
	a, _ := o.failed.LoadOrStore(et, newAttrs(o.name, errorKey.String(et)))
	return a.(attrs)
}
