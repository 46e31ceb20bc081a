package holdfastotel

import (
	"errors"

	"go.opentelemetry.io/otel/metric"
)

// Durations are histograms in seconds, as the semantic conventions ask,
// with the buckets they recommend for client durations.
var secondsBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// instruments are every instrument of the package, created once by [New].
// The synchronous ones are fed by the observers; the observable ones are
// read from Stats by the callbacks the Observe methods register, or from
// the observers' own counters (see [counters]).
type instruments struct {
	depDuration metric.Float64Histogram

	retryCalls    metric.Int64ObservableCounter
	retryAttempts metric.Int64ObservableCounter
	retryRetries  metric.Int64ObservableCounter
	retryDelay    metric.Float64Histogram

	budgetBalance     metric.Int64ObservableGauge
	budgetDeposits    metric.Int64ObservableCounter
	budgetWithdrawals metric.Int64ObservableCounter
	budgetRejected    metric.Int64ObservableCounter

	breakerState       metric.Int64ObservableGauge
	breakerTrips       metric.Int64ObservableCounter
	breakerRejections  metric.Int64ObservableCounter
	breakerCalls       metric.Int64ObservableCounter
	breakerTransitions metric.Int64Counter

	cacheHits          metric.Int64ObservableCounter
	cacheMisses        metric.Int64ObservableCounter
	cacheStale         metric.Int64ObservableCounter
	cacheNegative      metric.Int64ObservableCounter
	cacheLoads         metric.Int64ObservableCounter
	cacheLoadErrors    metric.Int64ObservableCounter
	cacheRefreshes     metric.Int64ObservableCounter
	cacheRemoteErrors  metric.Int64ObservableCounter
	cacheInvalidations metric.Int64ObservableCounter
	cacheResets        metric.Int64ObservableCounter
	cacheEntries       metric.Int64ObservableGauge
	cacheEvictions     metric.Int64ObservableCounter

	queueDepth    metric.Int64ObservableGauge
	queueCapacity metric.Int64ObservableGauge
	queueInFlight metric.Int64ObservableGauge
	queueWorkers  metric.Int64ObservableGauge
	queueItems    metric.Int64ObservableCounter

	limitLimit    metric.Int64ObservableGauge
	limitInFlight metric.Int64ObservableGauge
	limitWaiting  metric.Int64ObservableGauge
	limitCalls    metric.Int64ObservableCounter
	limitWaitTime metric.Float64ObservableCounter

	throttleProbability metric.Float64ObservableGauge

	deadlineBudget    metric.Float64Histogram
	deadlineRemaining metric.Float64Histogram

	hedges metric.Int64Counter

	queueHandleTime metric.Float64Histogram

	httpDuration metric.Float64Histogram

	redisQueue redisQueueInstruments

	hooks hookInstruments
}

// init creates the instruments; the names, units and descriptions are the
// table of the package documentation.
func (in *instruments) init(m metric.Meter) error {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error

	in.depDuration, err = m.Float64Histogram("holdfast.dependency.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of calls to a dependency, by error.type (absent on success)."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	add(err)

	in.retryCalls, err = m.Int64ObservableCounter("holdfast.retry.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Calls made through a retry policy, by holdfast.retry.result."))
	add(err)
	in.retryAttempts, err = m.Int64ObservableCounter("holdfast.retry.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("Attempts made by the calls through a retry policy that ended: per call, divide by holdfast.retry.calls."))
	add(err)
	in.retryRetries, err = m.Int64ObservableCounter("holdfast.retry.retries", metric.WithUnit("{retry}"),
		metric.WithDescription("Retries: attempts after the first."))
	add(err)
	in.retryDelay, err = m.Float64Histogram("holdfast.retry.delay", metric.WithUnit("s"),
		metric.WithDescription("Delay waited before each retry."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	add(err)

	in.budgetBalance, err = m.Int64ObservableGauge("holdfast.retry.budget.balance", metric.WithUnit("{retry}"),
		metric.WithDescription("Retries a retry budget would allow now."))
	add(err)
	in.budgetDeposits, err = m.Int64ObservableCounter("holdfast.retry.budget.deposits", metric.WithUnit("{call}"),
		metric.WithDescription("Calls that deposited in a retry budget."))
	add(err)
	in.budgetWithdrawals, err = m.Int64ObservableCounter("holdfast.retry.budget.withdrawals", metric.WithUnit("{retry}"),
		metric.WithDescription("Retries a retry budget allowed."))
	add(err)
	in.budgetRejected, err = m.Int64ObservableCounter("holdfast.retry.budget.rejected", metric.WithUnit("{retry}"),
		metric.WithDescription("Retries a retry budget refused."))
	add(err)

	in.breakerState, err = m.Int64ObservableGauge("holdfast.breaker.state", metric.WithUnit("{state}"),
		metric.WithDescription("1 for the breaker's current holdfast.breaker.state, 0 for the others."))
	add(err)
	in.breakerTrips, err = m.Int64ObservableCounter("holdfast.breaker.trips", metric.WithUnit("{trip}"),
		metric.WithDescription("Times the breaker opened by itself."))
	add(err)
	in.breakerRejections, err = m.Int64ObservableCounter("holdfast.breaker.rejections", metric.WithUnit("{call}"),
		metric.WithDescription("Calls the breaker rejected."))
	add(err)
	in.breakerCalls, err = m.Int64ObservableCounter("holdfast.breaker.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Calls the breaker admitted, by holdfast.breaker.outcome."))
	add(err)
	in.breakerTransitions, err = m.Int64Counter("holdfast.breaker.transitions", metric.WithUnit("{transition}"),
		metric.WithDescription("Changes of state, by holdfast.breaker.from and holdfast.breaker.state."))
	add(err)

	in.initCache(m, add)
	in.initQueueLimit(m, add)
	in.redisQueue.init(m, add)
	in.hooks.init(m, add)

	in.deadlineBudget, err = m.Float64Histogram("holdfast.deadline.budget", metric.WithUnit("s"),
		metric.WithDescription("Time budget an incoming request carried."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	add(err)

	in.deadlineRemaining, err = m.Float64Histogram("holdfast.deadline.remaining", metric.WithUnit("s"),
		metric.WithDescription("Time budget left when a dependency call started."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	add(err)

	in.queueHandleTime, err = m.Float64Histogram("holdfast.queue.handle_time", metric.WithUnit("s"),
		metric.WithDescription("Time a pool's handler took per item, by error.type (absent on success)."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	add(err)

	in.httpDuration, err = m.Float64Histogram("http.client.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP client requests."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	add(err)

	in.hedges, err = m.Int64Counter("holdfast.hedge.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Calls a hedged request added to the first, by holdfast.hedge.reason."))
	add(err)
	return errors.Join(errs...)
}

func (in *instruments) initCache(m metric.Meter, add func(error)) {
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		add(err)
		return c
	}
	in.cacheHits = counter("holdfast.cache.hits", "{call}", "Gets answered by a tier, by holdfast.cache.tier.")
	in.cacheMisses = counter("holdfast.cache.misses", "{call}", "Gets that found the key in neither tier.")
	in.cacheStale = counter("holdfast.cache.stale_served", "{call}", "Hits that served a value past its ttl.")
	in.cacheNegative = counter("holdfast.cache.negative_hits", "{call}", "Hits on a remembered not-found.")
	in.cacheLoads = counter("holdfast.cache.loads", "{call}", "Loader calls, background refreshes included.")
	in.cacheLoadErrors = counter("holdfast.cache.load_errors", "{call}", "Loader calls that failed or panicked.")
	in.cacheRefreshes = counter("holdfast.cache.refreshes", "{call}", "Background refreshes started.")
	in.cacheRemoteErrors = counter("holdfast.cache.remote_errors", "{error}", "Store calls that failed, by holdfast.cache.error (store, decode, encode).")
	in.cacheInvalidations = counter("holdfast.cache.invalidations", "{key}", "Keys dropped from the local tier on other caches' messages.")
	in.cacheResets = counter("holdfast.cache.resets", "{reset}", "Times the whole local tier was dropped.")
	in.cacheEvictions = counter("holdfast.cache.local.evictions", "{entry}", "Local-tier entries removed, by holdfast.cache.reason.")
	var err error
	in.cacheEntries, err = m.Int64ObservableGauge("holdfast.cache.local.entries", metric.WithUnit("{entry}"),
		metric.WithDescription("Entries held by the local tier."))
	add(err)
}

func (in *instruments) initQueueLimit(m metric.Meter, add func(error)) {
	gauge := func(name, unit, desc string) metric.Int64ObservableGauge {
		g, err := m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		add(err)
		return g
	}
	in.queueDepth = gauge("holdfast.queue.depth", "{item}", "Items waiting in a pool's queue.")
	in.queueCapacity = gauge("holdfast.queue.capacity", "{item}", "Capacity of a pool's queue.")
	in.queueInFlight = gauge("holdfast.queue.in_flight", "{item}", "Items taken by a worker and not yet settled.")
	in.queueWorkers = gauge("holdfast.queue.workers", "{worker}", "Worker goroutines of a pool.")
	var err error
	in.queueItems, err = m.Int64ObservableCounter("holdfast.queue.items", metric.WithUnit("{item}"),
		metric.WithDescription("Items by holdfast.queue.result: accepted, handled, failed, dropped, rejected, returned."))
	add(err)

	in.limitLimit = gauge("holdfast.limit.limit", "{call}", "Calls a limiter allows in flight now.")
	in.limitInFlight = gauge("holdfast.limit.in_flight", "{call}", "Calls admitted and not yet released.")
	in.limitWaiting = gauge("holdfast.limit.waiting", "{call}", "Calls waiting for a place.")
	in.limitCalls, err = m.Int64ObservableCounter("holdfast.limit.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Calls by holdfast.limit.result: admitted, rejected (shed), canceled."))
	add(err)
	in.throttleProbability, err = m.Float64ObservableGauge("holdfast.limit.throttle.probability", metric.WithUnit("1"),
		metric.WithDescription("Probability that a client-side throttle rejects the next call."))
	add(err)
	in.limitWaitTime, err = m.Float64ObservableCounter("holdfast.limit.wait_time", metric.WithUnit("s"),
		metric.WithDescription("Total time admitted calls waited for a place."))
	add(err)
}
