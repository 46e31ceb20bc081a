package holdfastotel

import "go.opentelemetry.io/otel/metric"

// hookInstruments are the instruments fed by the hooks that the pool's
// wait, cache loads, idempotency and Redis queue producers gained: the
// histograms their observers record, and the counters read from their
// Stats.
type hookInstruments struct {
	queueWaitTime metric.Float64Histogram
	cacheLoadTime metric.Float64Histogram
	idempotency   idempotencyInstruments
	redisProducer redisProducerInstruments
}

func (in *hookInstruments) init(m metric.Meter, add func(error)) {
	var err error
	in.queueWaitTime, err = m.Float64Histogram("holdfast.queue.wait_time", metric.WithUnit("s"),
		metric.WithDescription("Time an item waited from its submit until a worker started its handler."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	add(err)
	in.cacheLoadTime, err = m.Float64Histogram("holdfast.cache.load_time", metric.WithUnit("s"),
		metric.WithDescription("Time a cache's loader took per load, by error.type (absent on success)."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	add(err)
	in.idempotency.init(m, add)
	in.redisProducer.init(m, add)
}
