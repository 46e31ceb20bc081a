package holdfastotel

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
)

func TestHedges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		obs, err := h.in.HedgeObserver("search")
		if err != nil {
			t.Fatal(err)
		}
		ctx, span := h.tp.Tracer("test").Start(context.Background(), "search")
		var calls atomic.Int32
		_, err = fanout.Hedge(ctx, func(ctx context.Context) (int, error) {
			switch calls.Add(1) {
			case 1:
				<-ctx.Done() // slow: the delay starts call 2
				return 0, ctx.Err()
			case 2:
				return 0, errors.New("boom") // call 3 starts at once
			}
			return 3, nil
		}, time.Second, fanout.WithHedgeObserver(obs), fanout.WithMaxAttempts(3))
		span.End()
		if err != nil {
			t.Fatal(err)
		}
		want(t, h.collect(t), map[string]string{
			"holdfast.hedge.calls{holdfast.hedge.reason=delay,holdfast.name=search}":   "1",
			"holdfast.hedge.calls{holdfast.hedge.reason=failure,holdfast.name=search}": "1",
		})
		ended := h.spans.Ended()
		if len(ended) != 1 || len(ended[0].Events()) != 2 {
			t.Fatalf("want 1 span with 2 events, got %d spans", len(ended))
		}
		reasons := []string{"delay", "failure"}
		for i, ev := range ended[0].Events() {
			if ev.Name != HedgeEvent || !hasAttr(ev.Attributes, HedgeCallKey.Int(i+2)) || !hasAttr(ev.Attributes, HedgeReasonKey.String(reasons[i])) {
				t.Errorf("event %d = %s %v, want %s with call %d, reason %s", i, ev.Name, ev.Attributes, HedgeEvent, i+2, reasons[i])
			}
		}
	})
}
