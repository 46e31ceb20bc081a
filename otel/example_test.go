package holdfastotel_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/limit"
	holdfastotel "github.com/holdfast-go/holdfast/otel"
	"github.com/holdfast-go/holdfast/retry"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Example wraps a call to a dependency in a Dependency and its retry
// policy in a RetryObserver: one span per call with a child per attempt,
// and the RED and retry metrics.
func Example() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	in, err := holdfastotel.New(holdfastotel.WithMeterProvider(mp), holdfastotel.WithTracerProvider(tp))
	if err != nil {
		panic(err)
	}

	payments, err := in.Dependency("payments")
	if err != nil {
		panic(err)
	}
	observer, err := in.RetryObserver("payments")
	if err != nil {
		panic(err)
	}
	policy, err := retry.New(retry.WithObserver(observer), retry.WithStrategy(retry.Constant(time.Microsecond)))
	if err != nil {
		panic(err)
	}

	calls := 0
	err = payments.Do(context.Background(), func(ctx context.Context) error {
		return policy.Do(ctx, func(ctx context.Context) error {
			if calls++; calls == 1 {
				return errors.New("connection reset")
			}
			return nil
		})
	})
	fmt.Println("error:", err)
	for _, s := range spans.Ended() {
		fmt.Println("span:", s.Name())
	}
	printMetrics(reader, "holdfast.retry", "holdfast.dependency")
	// Output:
	// error: <nil>
	// span: payments attempt
	// span: payments attempt
	// span: payments
	// holdfast.dependency.duration{holdfast.name=payments} count=1
	// holdfast.retry.attempts{holdfast.name=payments} 2
	// holdfast.retry.calls{holdfast.name=payments,holdfast.retry.result=success} 1
	// holdfast.retry.delay{holdfast.name=payments} count=1
	// holdfast.retry.retries{holdfast.name=payments} 1
}

// ExampleInstrumentation_BreakerOptions builds an instrumented breaker and
// registers its Stats.
func ExampleInstrumentation_BreakerOptions() {
	reader := sdkmetric.NewManualReader()
	in, err := holdfastotel.New(holdfastotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		panic(err)
	}
	opts, err := in.BreakerOptions("inventory")
	if err != nil {
		panic(err)
	}
	b, err := breaker.New(append(opts, breaker.WithConsecutiveFailures(2))...)
	if err != nil {
		panic(err)
	}
	reg, err := in.ObserveBreaker(b)
	if err != nil {
		panic(err)
	}
	defer reg.Unregister()

	for range 3 {
		_ = b.Do(context.Background(), func(context.Context) error { return errors.New("unavailable") })
	}
	printMetrics(reader, "holdfast.breaker.calls", "holdfast.breaker.rejections", "holdfast.breaker.trips", "holdfast.breaker.transitions")
	// Output:
	// holdfast.breaker.calls{holdfast.breaker.outcome=failure,holdfast.name=inventory} 2
	// holdfast.breaker.rejections{holdfast.name=inventory} 1
	// holdfast.breaker.transitions{holdfast.breaker.from=closed,holdfast.breaker.state=open,holdfast.name=inventory} 1
	// holdfast.breaker.trips{holdfast.name=inventory} 1
}

// ExampleInstrumentation_ObserveLimit reports a bulkhead's counts, read
// from its Stats when the metrics are collected.
func ExampleInstrumentation_ObserveLimit() {
	reader := sdkmetric.NewManualReader()
	in, err := holdfastotel.New(holdfastotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		panic(err)
	}
	db, err := limit.NewBulkhead(1)
	if err != nil {
		panic(err)
	}
	reg, err := in.ObserveLimit("db", db.Stats)
	if err != nil {
		panic(err)
	}
	defer reg.Unregister()

	p, _ := db.TryAcquire()
	_, err = db.TryAcquire()
	fmt.Println("second call:", holdfastotel.ErrorType(err))
	p.Release(nil)
	printMetrics(reader, "holdfast.limit.calls")
	// Output:
	// second call: limited
	// holdfast.limit.calls{holdfast.limit.result=admitted,holdfast.name=db} 1
	// holdfast.limit.calls{holdfast.limit.result=canceled,holdfast.name=db} 0
	// holdfast.limit.calls{holdfast.limit.result=rejected,holdfast.name=db} 1
}

// ExampleErrorType shows the fixed classification behind error.type.
func ExampleErrorType() {
	for _, err := range []error{
		nil,
		context.DeadlineExceeded,
		&breaker.OpenError{Name: "payments", State: breaker.StateOpen},
		&retry.Error{Attempts: 3, Err: &retry.StatusError{StatusCode: 503}, Reason: retry.ErrAttemptsExhausted},
		errors.New("user 42 not found"),
	} {
		fmt.Printf("%q\n", holdfastotel.ErrorType(err))
	}
	// Output:
	// ""
	// "timeout"
	// "breaker_open"
	// "503"
	// "_OTHER"
}

// printMetrics prints the data points of the metrics whose names start
// with one of prefixes, sorted, without the values that vary from run to
// run (histogram sums in seconds).
func printMetrics(reader *sdkmetric.ManualReader, prefixes ...string) {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if !hasPrefix(m.Name, prefixes) {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					lines = append(lines, fmt.Sprintf("%s%s %d", m.Name, attrs(p.Attributes.ToSlice()), p.Value))
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					lines = append(lines, fmt.Sprintf("%s%s count=%d sum=%d", m.Name, attrs(p.Attributes.ToSlice()), p.Count, p.Sum))
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					lines = append(lines, fmt.Sprintf("%s%s count=%d", m.Name, attrs(p.Attributes.ToSlice()), p.Count))
				}
			}
		}
	}
	sort.Strings(lines)
	fmt.Println(strings.Join(lines, "\n"))
}

func hasPrefix(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func attrs(kvs []attribute.KeyValue) string {
	s := make([]string, len(kvs))
	for i, kv := range kvs {
		s[i] = string(kv.Key) + "=" + kv.Value.String()
	}
	return "{" + strings.Join(s, ",") + "}"
}
