package holdfastotel

import (
	"context"

	qredis "github.com/holdfast-go/holdfast/queue/redis"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// RedisQueueResultKey is what became of a Redis queue consumer's jobs:
// "handled", "failed", "retried", "dead_lettered" or "released".
const RedisQueueResultKey = attribute.Key("holdfast.queue.redis.result")

// redisQueueInstruments are the instruments of [Instrumentation.ObserveRedisQueue].
type redisQueueInstruments struct {
	lag      metric.Int64ObservableGauge
	pending  metric.Int64ObservableGauge
	inFlight metric.Int64ObservableGauge
	jobs     metric.Int64ObservableCounter
	reclaims metric.Int64ObservableCounter
}

func (in *redisQueueInstruments) init(m metric.Meter, add func(error)) {
	gauge := func(name, unit, desc string) metric.Int64ObservableGauge {
		g, err := m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		add(err)
		return g
	}
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		add(err)
		return c
	}
	in.lag = gauge("holdfast.queue.redis.lag", "{entry}", "Entries of the stream not yet read by the consumer group.")
	in.pending = gauge("holdfast.queue.redis.pending", "{entry}", "Entries the group read and did not acknowledge, by any consumer.")
	in.inFlight = gauge("holdfast.queue.redis.in_flight", "{job}", "Handlers a consumer is running now.")
	in.jobs = counter("holdfast.queue.redis.jobs", "{job}",
		"Jobs a consumer ran, by holdfast.queue.redis.result: handled, failed, retried, dead_lettered, released.")
	in.reclaims = counter("holdfast.queue.redis.reclaims", "{entry}", "Entries a consumer took over from one that stopped renewing them.")
}

// ObserveRedisQueue reports the lag, pending entries, handlers running,
// job counts (dead letters among them) and reclaims of a Redis queue
// consumer called name; stats is its [qredis.Consumer.Stats]. Lag and
// pending come from the consumer's last maintenance pass and are not
// reported until known (the Stats value -1).
func (in *Instrumentation) ObserveRedisQueue(name string, stats func() qredis.Stats) (metric.Registration, error) {
	if err := checkObserve("ObserveRedisQueue", name, stats == nil); err != nil {
		return nil, err
	}
	all := newAttrs(name)
	results := results(name, RedisQueueResultKey, "handled", "failed", "retried", "dead_lettered", "released")
	i := &in.inst.redisQueue
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		if st.Lag >= 0 {
			o.ObserveInt64(i.lag, st.Lag, all.obs...)
		}
		if st.Pending >= 0 {
			o.ObserveInt64(i.pending, st.Pending, all.obs...)
		}
		o.ObserveInt64(i.inFlight, st.InFlight, all.obs...)
		for k, v := range []uint64{st.Handled, st.Failed, st.Retried, st.DeadLettered, st.Released} {
			o.ObserveInt64(i.jobs, int64(v), results[k].obs...)
		}
		o.ObserveInt64(i.reclaims, int64(st.Reclaimed), all.obs...)
		return nil
	}, i.lag, i.pending, i.inFlight, i.jobs, i.reclaims)
}
