package holdfastotel

import (
	"context"
	"runtime"
	"testing"
	"weak"

	"github.com/holdfast-go/holdfast/breaker"
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
