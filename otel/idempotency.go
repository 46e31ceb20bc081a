package holdfastotel

import (
	"context"

	"github.com/holdfast-go/holdfast/idempotency"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// IdempotencyResultKey is what became of the calls of an idempotency
// Group: "executed", "replayed", "conflict", "rejected" or "fail_open".
const IdempotencyResultKey = attribute.Key("holdfast.idempotency.result")

// idempotencyInstruments are the instruments of [Instrumentation.ObserveIdempotency].
type idempotencyInstruments struct {
	calls       metric.Int64ObservableCounter
	waits       metric.Int64ObservableCounter
	storeErrors metric.Int64ObservableCounter
}

func (in *idempotencyInstruments) init(m metric.Meter, add func(error)) {
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		add(err)
		return c
	}
	in.calls = counter("holdfast.idempotency.calls", "{call}",
		"Calls by holdfast.idempotency.result: executed, replayed, conflict, rejected (in progress), fail_open.")
	in.waits = counter("holdfast.idempotency.waits", "{call}", "Calls that found their key in progress and waited for its result.")
	in.storeErrors = counter("holdfast.idempotency.store_errors", "{error}", "Store calls that failed.")
}

// ObserveIdempotency reports the counts of an idempotency Group (and of
// the Middleware built on it) called name; stats is its
// [idempotency.Group.Stats]. They are read when the MeterProvider
// collects: a call pays nothing.
func (in *Instrumentation) ObserveIdempotency(name string, stats func() idempotency.Stats) (metric.Registration, error) {
	if err := checkObserve("ObserveIdempotency", name, stats == nil); err != nil {
		return nil, err
	}
	all := newAttrs(name)
	results := results(name, IdempotencyResultKey, "executed", "replayed", "conflict", "rejected", "fail_open")
	i := &in.inst.hooks.idempotency
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		for k, v := range []uint64{st.Executions, st.Replays, st.Conflicts, st.Rejected, st.FailOpen} {
			o.ObserveInt64(i.calls, int64(v), results[k].obs...)
		}
		o.ObserveInt64(i.waits, int64(st.Waited), all.obs...)
		o.ObserveInt64(i.storeErrors, int64(st.StoreErrors), all.obs...)
		return nil
	}, i.calls, i.waits, i.storeErrors)
}
