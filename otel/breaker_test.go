package holdfastotel

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"go.opentelemetry.io/otel/attribute"
)

func TestBreakerTripsAndRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		opts, err := h.in.BreakerOptions("payments")
		if err != nil {
			t.Fatal(err)
		}
		b, err := breaker.New(append(opts, breaker.WithConsecutiveFailures(2), breaker.WithOpenDuration(time.Second))...)
		if err != nil {
			t.Fatal(err)
		}
		reg, err := h.in.ObserveBreaker(b)
		if err != nil {
			t.Fatal(err)
		}
		defer reg.Unregister()

		ctx := context.Background()
		boom := errors.New("boom")
		_ = b.Do(ctx, func(context.Context) error { return nil })
		_ = b.Do(ctx, func(context.Context) error { return boom })
		_ = b.Do(ctx, func(context.Context) error { return boom })

		// A rejected call inside a span: the span gets an event.
		sctx, span := h.tp.Tracer("test").Start(ctx, "caller")
		if err := b.Do(sctx, func(context.Context) error { return nil }); !errors.Is(err, breaker.ErrOpen) {
			t.Fatalf("Do on an open breaker = %v, want ErrOpen", err)
		}
		span.End()

		got := h.collect(t)
		want(t, got, map[string]string{
			"holdfast.breaker.state{holdfast.breaker.state=open,holdfast.name=payments}":                                    "1",
			"holdfast.breaker.state{holdfast.breaker.state=closed,holdfast.name=payments}":                                  "0",
			"holdfast.breaker.calls{holdfast.breaker.outcome=success,holdfast.name=payments}":                               "1",
			"holdfast.breaker.calls{holdfast.breaker.outcome=failure,holdfast.name=payments}":                               "2",
			"holdfast.breaker.trips{holdfast.name=payments}":                                                                "1",
			"holdfast.breaker.rejections{holdfast.name=payments}":                                                           "1",
			"holdfast.breaker.transitions{holdfast.breaker.from=closed,holdfast.breaker.state=open,holdfast.name=payments}": "1",
		})

		ended := h.spans.Ended()
		if len(ended) != 1 || len(ended[0].Events()) != 1 {
			t.Fatalf("spans = %d, want 1 with 1 event", len(ended))
		}
		ev := ended[0].Events()[0]
		if ev.Name != BreakerRejectedEvent || !hasAttr(ev.Attributes, BreakerStateKey.String("open")) {
			t.Errorf("event = %s %v, want %s with state open", ev.Name, ev.Attributes, BreakerRejectedEvent)
		}

		// The breaker recovers after the open duration.
		time.Sleep(time.Second)
		if err := b.Do(ctx, func(context.Context) error { return nil }); err != nil {
			t.Fatalf("probe: Do = %v, want nil", err)
		}
		got = h.collect(t)
		want(t, got, map[string]string{
			"holdfast.breaker.state{holdfast.breaker.state=closed,holdfast.name=payments}":                                       "1",
			"holdfast.breaker.state{holdfast.breaker.state=open,holdfast.name=payments}":                                         "0",
			"holdfast.breaker.calls{holdfast.breaker.outcome=success,holdfast.name=payments}":                                    "2",
			"holdfast.breaker.transitions{holdfast.breaker.from=open,holdfast.breaker.state=half-open,holdfast.name=payments}":   "1",
			"holdfast.breaker.transitions{holdfast.breaker.from=half-open,holdfast.breaker.state=closed,holdfast.name=payments}": "1",
		})
	})
}

func hasAttr(kvs []attribute.KeyValue, want attribute.KeyValue) bool {
	for _, kv := range kvs {
		if kv == want {
			return true
		}
	}
	return false
}

func TestObserveBreakerNeedsAName(t *testing.T) {
	h := newHarness(t)
	b, err := breaker.New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.in.ObserveBreaker(b); err == nil {
		t.Error("ObserveBreaker(unnamed breaker) = nil error, want one")
	}
	if _, err := h.in.ObserveBreaker(nil); err == nil {
		t.Error("ObserveBreaker(nil) = nil error, want one")
	}
}
