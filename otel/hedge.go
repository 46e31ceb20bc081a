package holdfastotel

import (
	"context"

	"github.com/holdfast-go/holdfast/fanout"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Attributes of the hedge instrument and events.
const (
	// HedgeCallKey is the number of the call a hedge started (2 for the
	// first hedge), on its span event.
	HedgeCallKey = attribute.Key("holdfast.hedge.call")
	// HedgeReasonKey is why a hedge started: "delay" (the previous call
	// was slow) or "failure" (it failed).
	HedgeReasonKey = attribute.Key("holdfast.hedge.reason")
)

// HedgeEvent is the name of the span event added to Hedge's span for each
// call it adds to the first.
const HedgeEvent = "holdfast.hedge"

// HedgeObserver is a [fanout.HedgeObserver] that counts the hedges of
// [fanout.Hedge] in holdfast.hedge.calls and adds a [HedgeEvent] to the
// span of Hedge's ctx, if it is recording. Make one per hedged call site
// with [Instrumentation.HedgeObserver] and pass it to
// [fanout.WithHedgeObserver].
//
// Cost per hedge (a call that is not hedged pays nothing): one counter add
// with a precomputed attribute set, and a span event when the span records.
type HedgeObserver struct {
	in      *Instrumentation
	reasons [len(hedgeReasons)]attrs // by index in hedgeReasons
}

// hedgeReasons are the values of [HedgeReasonKey]: a hedge after a delay,
// and one after a failure.
var hedgeReasons = [...]string{"delay", "failure"}

var _ fanout.HedgeObserver = (*HedgeObserver)(nil)

// HedgeObserver returns the observer of the hedged calls called name.
func (in *Instrumentation) HedgeObserver(name string) (*HedgeObserver, error) {
	if err := checkName("HedgeObserver", name); err != nil {
		return nil, err
	}
	o := &HedgeObserver{in: in}
	for i, r := range hedgeReasons {
		o.reasons[i] = newAttrs(name, HedgeReasonKey.String(r))
	}
	return o, nil
}

// Hedged implements [fanout.HedgeObserver].
func (o *HedgeObserver) Hedged(ctx context.Context, call int, failed bool) {
	reason := 0
	if failed {
		reason = 1
	}
	o.in.inst.hedges.Add(ctx, 1, o.reasons[reason].add...)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(HedgeEvent, trace.WithAttributes(HedgeCallKey.Int(call), HedgeReasonKey.String(hedgeReasons[reason])))
	}
}
