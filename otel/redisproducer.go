package holdfastotel

import (
	"context"

	qredis "github.com/holdfast-go/holdfast/queue/redis"
	"go.opentelemetry.io/otel/metric"
)

// redisProducerInstruments are the instruments of [Instrumentation.ObserveRedisProducer].
type redisProducerInstruments struct {
	enqueues metric.Int64ObservableCounter
}

func (in *redisProducerInstruments) init(m metric.Meter, add func(error)) {
	var err error
	in.enqueues, err = m.Int64ObservableCounter("holdfast.queue.redis.enqueues", metric.WithUnit("{job}"),
		metric.WithDescription("Enqueues of a Redis queue producer, by holdfast.queue.redis.result: enqueued, duplicate, full, error."))
	add(err)
}

// ObserveRedisProducer reports the enqueue counts of a Redis queue
// producer called name, by [RedisQueueResultKey]: "enqueued", "duplicate"
// (a pending job had the unique key), "full" ([qredis.ErrFull]; each try
// of an Enqueue that waits for room counts, so the results of one call
// can add up to more than one) and "error" (a failed call to Redis; a
// batch's chunk counts once). stats is its [qredis.Producer.Stats].
func (in *Instrumentation) ObserveRedisProducer(name string, stats func() qredis.ProducerStats) (metric.Registration, error) {
	if err := checkObserve("ObserveRedisProducer", name, stats == nil); err != nil {
		return nil, err
	}
	results := results(name, RedisQueueResultKey, "enqueued", "duplicate", "full", "error")
	i := &in.inst.hooks.redisProducer
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		for k, v := range []uint64{st.Enqueued, st.Duplicates, st.Full, st.Errors} {
			o.ObserveInt64(i.enqueues, int64(v), results[k].obs...)
		}
		return nil
	}, i.enqueues)
}
