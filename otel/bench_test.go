package holdfastotel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/queue"
	"github.com/holdfast-go/holdfast/retry"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// benchInstrumentation returns an Instrumentation on the SDK
// MeterProvider with a manual reader, and either no tracing (the metric
// path) or the SDK TracerProvider sampling every span (with no exporter).
func benchInstrumentation(b *testing.B, spans bool) *Instrumentation {
	in, _ := benchTracing(b, spans)
	return in
}

// benchTracing is benchInstrumentation that also returns a ctx carrying a
// recording span when spans is set (the call span that retry attempts
// are children of).
func benchTracing(b *testing.B, spans bool) (*Instrumentation, context.Context) {
	b.Helper()
	ctx := context.Background()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	opts := []Option{WithMeterProvider(mp), WithTracerProvider(noop.NewTracerProvider())}
	if spans {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		opts[1] = WithTracerProvider(tp)
		var span trace.Span
		ctx, span = tp.Tracer("bench").Start(ctx, "call")
		b.Cleanup(func() { span.End() })
	}
	in, err := New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	return in, ctx
}

func ok(context.Context) error { return nil }

// run measures one call, serially, or with b.RunParallel when parallel is
// set (the calls of every goroutine go to the same object, so that shared
// counters show their contention).
func run(b *testing.B, parallel bool, call func()) {
	b.ReportAllocs()
	if !parallel {
		for b.Loop() {
			call()
		}
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			call()
		}
	})
}

// modes are the sub-benchmarks of a counter path: serial and parallel.
var modes = []struct {
	name     string
	parallel bool
}{{"serial", false}, {"parallel", true}}

// nopBreakerObserver is a breaker.Observer that does nothing: with it, a
// breaker's cost is that of the path an observed breaker takes.
type nopBreakerObserver struct{}

func (nopBreakerObserver) Recorded(breaker.Outcome)                     {}
func (nopBreakerObserver) Rejected(context.Context, *breaker.OpenError) {}

// BenchmarkBreakerCall: a call that succeeds through a closed breaker,
// plain, with an observer that does nothing ("nop-observer": the cost of
// the breaker's observed path alone) and instrumented ("observed").
func BenchmarkBreakerCall(b *testing.B) {
	ctx := context.Background()
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			bench := func(b *testing.B, opts ...breaker.Option) {
				br, err := breaker.New(opts...)
				if err != nil {
					b.Fatal(err)
				}
				run(b, m.parallel, func() { _ = br.Do(ctx, ok) })
			}
			b.Run("plain", func(b *testing.B) { bench(b) })
			b.Run("nop-observer", func(b *testing.B) { bench(b, breaker.WithObserver(nopBreakerObserver{})) })
			b.Run("observed", func(b *testing.B) {
				opts, err := benchInstrumentation(b, false).BreakerOptions("bench")
				if err != nil {
					b.Fatal(err)
				}
				bench(b, opts...)
			})
		})
	}
}

// BenchmarkRetryCall: a call through a retry policy that succeeds at the
// first attempt ("first-try") or at the second ("one-retry", its delay
// ended at once by a clock), plain, instrumented ("observed"), and
// instrumented under a recording call span ("observed+spans": a span per
// attempt).
func BenchmarkRetryCall(b *testing.B) {
	for _, retried := range []bool{false, true} {
		name := "first-try"
		if retried {
			name = "one-retry"
		}
		b.Run(name, func(b *testing.B) { benchRetry(b, retried) })
	}
}

func benchRetry(b *testing.B, retried bool) {
	fn := ok
	if retried {
		var n atomic.Int64
		boom := errors.New("boom")
		fn = func(context.Context) error {
			if n.Add(1)%2 == 1 {
				return boom
			}
			return nil
		}
	}
	bench := func(b *testing.B, parallel bool, ctx context.Context, opts ...retry.Option) {
		opts = append(opts, retry.WithClock(noWaitClock{}), retry.WithStrategy(retry.Constant(time.Millisecond)))
		p, err := retry.New(opts...)
		if err != nil {
			b.Fatal(err)
		}
		run(b, parallel, func() { _ = p.Do(ctx, fn) })
	}
	observed := func(b *testing.B, parallel, spans bool) {
		in, ctx := benchTracing(b, spans)
		o, err := in.RetryObserver("bench")
		if err != nil {
			b.Fatal(err)
		}
		bench(b, parallel, ctx, retry.WithObserver(o))
	}
	for _, m := range modes {
		if retried && m.parallel {
			continue // fn's failures alternate only when it is called serially
		}
		b.Run(m.name, func(b *testing.B) {
			b.Run("plain", func(b *testing.B) { bench(b, m.parallel, context.Background()) })
			b.Run("observed", func(b *testing.B) { observed(b, m.parallel, false) })
			if !m.parallel {
				b.Run("observed+spans", func(b *testing.B) { observed(b, false, true) })
			}
		})
	}
}

// BenchmarkDependencyCall: a call that succeeds at once, plain, through
// a Dependency on the metric path ("metrics"), and with the SDK's spans
// ("metrics+span").
func BenchmarkDependencyCall(b *testing.B) {
	ctx := context.Background()
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			b.Run("plain", func(b *testing.B) { run(b, m.parallel, func() { _ = ok(ctx) }) })
			for _, spans := range []bool{false, true} {
				name := "metrics"
				if spans {
					name = "metrics+span"
				}
				b.Run(name, func(b *testing.B) {
					d, err := benchInstrumentation(b, spans).Dependency("bench")
					if err != nil {
						b.Fatal(err)
					}
					run(b, m.parallel, func() { _ = d.Do(ctx, ok) })
				})
			}
		})
	}
}

// BenchmarkCacheHit: a cache's counts are read from Stats at collection,
// so an observed hit costs what a plain one does.
func BenchmarkCacheHit(b *testing.B) {
	ctx := context.Background()
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			for _, name := range []string{"plain", "observed"} {
				b.Run(name, func(b *testing.B) {
					c, err := cache.New[string]()
					if err != nil {
						b.Fatal(err)
					}
					defer c.Close()
					if name == "observed" {
						reg, err := benchInstrumentation(b, false).ObserveCache("bench", c.Stats)
						if err != nil {
							b.Fatal(err)
						}
						defer reg.Unregister() //nolint:errcheck // benchmark teardown
					}
					if err := c.Set(ctx, "k", "v"); err != nil {
						b.Fatal(err)
					}
					run(b, m.parallel, func() { _, _ = c.Get(ctx, "k") })
				})
			}
		})
	}
}

// BenchmarkPoolItem: a pool's counts are read from Stats at collection
// ("observed"); "observed+handle_time" adds the PoolObserver, which
// records the handler's time per item.
func BenchmarkPoolItem(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"plain", "observed", "observed+handle_time"} {
		b.Run(name, func(b *testing.B) {
			opts := []queue.Option{queue.WithWorkers(1), queue.WithCapacity(1024)}
			if name == "observed+handle_time" {
				o, err := benchInstrumentation(b, false).PoolObserver("bench")
				if err != nil {
					b.Fatal(err)
				}
				opts = append(opts, queue.WithObserver(o))
			}
			p, err := queue.NewPool(func(context.Context, int) error { return nil }, opts...)
			if err != nil {
				b.Fatal(err)
			}
			if name != "plain" {
				reg, err := benchInstrumentation(b, false).ObservePool("bench", p.Stats)
				if err != nil {
					b.Fatal(err)
				}
				defer reg.Unregister()
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

// BenchmarkSDKCounterAdd is a reference: one Add on an SDK counter with
// a precomputed attribute set, what a count cost before the observers
// kept their own counters.
func BenchmarkSDKCounterAdd(b *testing.B) {
	in := benchInstrumentation(b, false)
	a := newAttrs("bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		in.inst.breakerTransitions.Add(ctx, 1, a.add...)
	}
}

// BenchmarkSDKHistogramRecord is a reference: one Record on an SDK
// histogram with a precomputed attribute set, what a Dependency call and a
// retry pay for their durations and delays.
func BenchmarkSDKHistogramRecord(b *testing.B) {
	in := benchInstrumentation(b, false)
	a := newAttrs("bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		in.inst.depDuration.Record(ctx, 0.01, a.rec...)
	}
}

// BenchmarkCounterAdd is a reference: one add to the observers' striped
// counters, what a count costs now.
// "1-stripe" is what GOMAXPROCS <= 4 gets, "8-stripes" what 5 to 8 get.
func BenchmarkCounterAdd(b *testing.B) {
	for _, n := range []int{1, 8} {
		s := newStripesN[atomic.Int64](n)
		name := "1-stripe"
		if n > 1 {
			name = fmt.Sprintf("%d-stripes", n)
		}
		for _, m := range modes {
			b.Run(name+"/"+m.name, func(b *testing.B) { run(b, m.parallel, func() { s.pick().Add(1) }) })
		}
	}
}

// BenchmarkHTTPTransport: the cost HTTPTransport adds to a request, over
// a base that answers at once.
func BenchmarkHTTPTransport(b *testing.B) {
	base := roundTrip(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	req, _ := http.NewRequest(http.MethodGet, "http://bench.invalid/", nil)
	for _, name := range []string{"plain", "timed"} {
		b.Run(name, func(b *testing.B) {
			var rt http.RoundTripper = base
			if name == "timed" {
				var err error
				if rt, err = benchInstrumentation(b, false).HTTPTransport("bench", base); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = rt.RoundTrip(req)
			}
		})
	}
}
