package holdfastotel

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"weak"

	"github.com/holdfast-go/holdfast/breaker"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// TestCloseStopsCounts: after Close, the counts the observers keep are
// no longer reported, and a second Close is harmless.
func TestCloseStopsCounts(t *testing.T) {
	h := newHarness(t)
	opts, err := h.in.BreakerOptions("payments")
	if err != nil {
		t.Fatal(err)
	}
	b, err := breaker.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Do(context.Background(), ok)
	const key = "holdfast.breaker.calls{holdfast.breaker.outcome=success,holdfast.name=payments}"
	if got := h.collect(t)[key]; got != "1" {
		t.Fatalf("before Close: %s = %q, want 1", key, got)
	}
	for range 2 {
		if err := h.in.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	}
	_ = b.Do(context.Background(), ok)
	if got, ok := h.collect(t)[key]; ok {
		t.Errorf("after Close: %s = %s, want no point", key, got)
	}
}

// TestCloseReleasesInstrumentation: the MeterProvider keeps an
// Instrumentation (through the callback New registered) until Close, and
// then lets it be collected.
func TestCloseReleasesInstrumentation(t *testing.T) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background()) //nolint:errcheck // test teardown
	in, err := New(WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	w := weak.Make(in)
	in = nil
	runtime.GC()
	in = w.Value()
	if in == nil {
		t.Fatal("before Close: the Instrumentation was collected, want it kept by the MeterProvider's callback")
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	in = nil
	runtime.GC()
	if w.Value() != nil {
		t.Error("after Close: the Instrumentation is still reachable from the MeterProvider")
	}
}

// unregisterCounter is a MeterProvider whose registrations count their
// Unregister calls and fail from the second on.
type unregisterCounter struct {
	noop.MeterProvider
	n *int
}

func (p unregisterCounter) Meter(string, ...metric.MeterOption) metric.Meter {
	return countingMeter{n: p.n}
}

type countingMeter struct {
	noop.Meter
	n *int
}

func (m countingMeter) RegisterCallback(metric.Callback, ...metric.Observable) (metric.Registration, error) {
	return countingReg{n: m.n}, nil
}

type countingReg struct {
	embedded.Registration
	n *int
}

func (r countingReg) Unregister() error {
	*r.n++
	if *r.n > 1 {
		return errors.New("unregistered twice")
	}
	return nil
}

// TestCloseOnce: a second Close does not unregister again, whatever the
// MeterProvider does with a second Unregister.
func TestCloseOnce(t *testing.T) {
	n := 0
	in, err := New(WithMeterProvider(unregisterCounter{n: &n}))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := in.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	}
	if n != 1 {
		t.Errorf("Unregister called %d times, want 1", n)
	}
}
