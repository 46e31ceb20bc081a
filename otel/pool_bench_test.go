package holdfastotel

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/queue"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace/noop"
)

// hookBenchInstrumentation is an Instrumentation on the SDK MeterProvider
// with a manual reader, and no tracing: the metric path.
func hookBenchInstrumentation(b *testing.B) *Instrumentation {
	b.Helper()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	in, err := New(WithMeterProvider(mp), WithTracerProvider(noop.NewTracerProvider()))
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// nopPoolObserver is a queue.Observer that does nothing: what the pool's
// hook costs by itself (its clock reads and calls).
type nopPoolObserver struct{}

func (nopPoolObserver) Handling(ctx context.Context, _ time.Duration) context.Context { return ctx }
func (nopPoolObserver) Handled(context.Context, time.Duration, error)                 {}

// handleOnly is the PoolObserver without the wait time, as it was before
// holdfast.queue.wait_time: the difference to PoolObserver is the cost of
// the wait time per item.
type handleOnly struct{ *PoolObserver }

func (handleOnly) Handling(ctx context.Context, _ time.Duration) context.Context { return ctx }

// BenchmarkPoolObserver submits items to a pool of one worker with no
// observer, with an observer that does nothing (the pool's hook alone),
// with a PoolObserver recording only handle_time, and with the
// PoolObserver (wait_time and handle_time). Interleave with -count.
func BenchmarkPoolObserver(b *testing.B) {
	ctx := context.Background()
	observers := []struct {
		name string
		obs  func(b *testing.B) queue.Observer
	}{
		{"none", nil},
		{"nop", func(*testing.B) queue.Observer { return nopPoolObserver{} }},
		{"handle_time", func(b *testing.B) queue.Observer { return handleOnly{newBenchPoolObserver(b)} }},
		{"wait+handle_time", func(b *testing.B) queue.Observer { return newBenchPoolObserver(b) }},
	}
	for _, o := range observers {
		b.Run(o.name, func(b *testing.B) {
			opts := []queue.Option{queue.WithWorkers(1), queue.WithCapacity(1024)}
			if o.obs != nil {
				opts = append(opts, queue.WithObserver(o.obs(b)))
			}
			p, err := queue.NewPool(func(context.Context, int) error { return nil }, opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = p.Submit(ctx, 1)
			}
			if _, err := p.Shutdown(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}

func newBenchPoolObserver(b *testing.B) *PoolObserver {
	o, err := hookBenchInstrumentation(b).PoolObserver("bench")
	if err != nil {
		b.Fatal(err)
	}
	return o
}

// BenchmarkHookRecord is the observers' own cost per call, without the
// pattern around them: PoolObserver.Handling (the wait time),
// CacheObserver.Loaded (a load's time, on success and on failure).
func BenchmarkHookRecord(b *testing.B) {
	ctx := context.Background()
	b.Run("PoolObserver.Handling", func(b *testing.B) {
		o := newBenchPoolObserver(b)
		b.ReportAllocs()
		for b.Loop() {
			o.Handling(ctx, time.Millisecond)
		}
	})
	for _, err := range []error{nil, errors.New("boom")} {
		name := "CacheObserver.Loaded/ok"
		if err != nil {
			name = "CacheObserver.Loaded/error"
		}
		b.Run(name, func(b *testing.B) {
			o, oerr := hookBenchInstrumentation(b).CacheObserver("bench")
			if oerr != nil {
				b.Fatal(oerr)
			}
			b.ReportAllocs()
			for b.Loop() {
				o.Loaded(ctx, time.Millisecond, err)
			}
		})
	}
}
