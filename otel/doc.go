// Package holdfastotel exports what holdfast's patterns do to
// OpenTelemetry: RED metrics (rate, errors, duration) per dependency,
// the counts of every breaker, retry policy and budget, cache, worker pool
// and limiter, and a span per call with a child span per retry attempt.
//
// It is a module of its own (github.com/holdfast-go/holdfast/otel, tagged
// otel/vX.Y.Z), so that the core module keeps its short dependency list.
// The package is named holdfastotel, not otel, so that it does not shadow
// go.opentelemetry.io/otel in the files that import both (as go-redis's
// redisotel does).
//
// # Use
//
// Make one [Instrumentation] per process with [New] (by default on the
// global MeterProvider and TracerProvider; [Instrumentation.Close] ends
// one that is not kept as long as its MeterProvider), then:
//
//   - wrap each call to a dependency in a [Dependency] ([Dependency.Do],
//     [Call]): a span per call and holdfast.dependency.duration;
//   - give each retry policy a [RetryObserver] through [retry.WithObserver]
//     ([Instrumentation.HTTPRetryObserver] for a [retry.Transport]);
//   - build each breaker with [Instrumentation.BreakerOptions] and register
//     it with [Instrumentation.ObserveBreaker];
//   - register the Stats of budgets, pools, caches and limiters with
//     [Instrumentation.ObserveRetryBudget], [Instrumentation.ObservePool],
//     [Instrumentation.ObserveCache], [Instrumentation.ObserveLimit] and
//     [Instrumentation.ObserveThrottle];
//   - put [Instrumentation.HTTPTransport] under a [retry.Transport] for
//     http.client.request.duration per attempt;
//   - give each pool a [PoolObserver] through [queue.WithObserver] for
//     the time each item waits and the time its handler takes;
//   - give each cache a [CacheObserver] through [cache.WithObserver] for
//     the time its loads take;
//   - register idempotency Groups with [Instrumentation.ObserveIdempotency]
//     and Redis queue consumers and producers with
//     [Instrumentation.ObserveRedisQueue] and
//     [Instrumentation.ObserveRedisProducer];
//   - give each hedged call site a [HedgeObserver] through
//     [fanout.WithHedgeObserver];
//   - put [Instrumentation.DeadlineMiddleware] inside
//     [deadline.Middleware] to record the budgets requests arrive with.
//
// examples/gateway-metrics in this module is the gateway demo wired this
// way, serving Prometheus text at /metrics through the OpenTelemetry
// Prometheus exporter.
//
// # What it costs
//
// Counts that a pattern's Stats already keeps are observable instruments:
// the MeterProvider reads Stats when it collects, and a call pays nothing
// (a cache hit, a pool's accepted and handled items, a budget's refusals,
// a breaker's rejections). The rest goes through the patterns' observers
// ([retry.Observer], [breaker.Observer], [queue.Observer],
// [fanout.HedgeObserver]), which an uninstrumented call does not pay for
// (a nil check).
//
// The counts the observers make per call (a breaker's calls by outcome, a
// retry policy's calls by result, its attempts and retries) are atomic
// adds to counters of this package, reported through observable counters
// when the MeterProvider collects: an add to an SDK counter costs about
// 150 to 250 ns even with an attribute set computed once
// (BenchmarkSDKCounterAdd), an atomic add a few. Those counters are
// striped across cache lines on machines of more than 4 cores, so that
// concurrent calls do not contend for one line. What this adds per call,
// on the metric path (no recording span), with the SDK MeterProvider,
// measured on a 2-core VM (BenchmarkBreakerCall, BenchmarkRetryCall,
// BenchmarkCacheHit, BenchmarkPoolItem, BenchmarkDependencyCall):
//
//	breaker call      about 30 ns, no allocation: an atomic add, and the
//	                  breaker's general path instead of its fast path
//	                  (most of the 30, see [breaker.Observer])
//	retry call        about 25 ns, no allocation: two atomic adds; each
//	                  retry adds one value in the SDK histogram
//	                  holdfast.retry.delay (about 200 ns, beside a delay
//	                  of at least the strategy's base)
//	cache hit         nothing: the counts are read from Stats
//	pool item         nothing for the counts, read from Stats; see
//	                  [PoolObserver] for what its timing adds
//	dependency call   one value in the SDK histogram
//	                  holdfast.dependency.duration (about 200 ns), two
//	                  clock reads, and one allocation for the ctx that
//	                  carries the span (a no-op one without an SDK
//	                  tracer): about 400 ns; under a deadline, one more
//	                  value and clock read
//
// Durations stay histograms, recorded per call through the SDK: an
// observable instrument cannot be a histogram, and a dependency's
// duration distribution (its percentiles) is the D of RED, worth its cost
// beside a call that crosses the network. The attempts per call are not a
// histogram but a counter, holdfast.retry.attempts, whose ratio to
// holdfast.retry.calls is the mean attempts per call (the load a policy
// multiplies its calls by), and the calls that failed after every attempt
// are holdfast.retry.calls with result attempts_exhausted. What a
// histogram would add, the spread in between (how many calls took 2
// attempts, how many 3), is not worth a histogram value on every call,
// most of which take one attempt. A retry's delay, rarer and next to a
// wait, stays a histogram.
//
// Spans cost more: under a recording call span, each retry attempt gets a
// span (with the SDK, about 2 µs and 5 to 8 allocations per attempt), and
// a dependency call's span adds about a microsecond and 3 allocations
// with the SDK. A breaker rejection adds a span event only to a recording
// span.
//
// # Cardinality
//
// Attribute values come from two places only: names chosen in code, once
// per instrumented object (1 to [MaxNameLen] letters, digits and "._-";
// anything else is an error), and fixed sets of values (states, outcomes,
// results, tiers, and error.type from [ErrorType]). No API here takes a
// per-call string: keys, tenants, URLs and error strings never become
// attribute values, on metrics or on spans (a failed span's status is its
// error.type, not the error's text).
//
// # Instruments
//
// Durations are histograms in seconds, as the semantic conventions ask.
// Every instrument carries holdfast.name; the Prometheus name is the one
// the OpenTelemetry Prometheus exporter gives (dots to underscores, the
// unit as a suffix, _total on counters), whose labels also add the
// otel_scope_* labels.
//
//	instrument                       kind            unit         attributes (besides holdfast.name)     Prometheus name
//	holdfast.dependency.duration     histogram       s            error.type (on failure)                holdfast_dependency_duration_seconds
//	holdfast.retry.calls             counter (async) {call}       holdfast.retry.result                  holdfast_retry_calls_total
//	holdfast.retry.attempts          counter (async) {attempt}                                           holdfast_retry_attempts_total
//	holdfast.retry.retries           counter (async) {retry}                                             holdfast_retry_retries_total
//	holdfast.retry.delay             histogram       s                                                   holdfast_retry_delay_seconds
//	holdfast.retry.budget.balance    gauge (async)   {retry}                                             holdfast_retry_budget_balance
//	holdfast.retry.budget.deposits   counter (async) {call}                                              holdfast_retry_budget_deposits_total
//	holdfast.retry.budget.withdrawals counter (async) {retry}                                            holdfast_retry_budget_withdrawals_total
//	holdfast.retry.budget.rejected   counter (async) {retry}                                             holdfast_retry_budget_rejected_total
//	holdfast.breaker.state           gauge (async)   {state}      holdfast.breaker.state (1 if current)  holdfast_breaker_state
//	holdfast.breaker.trips           counter (async) {trip}                                              holdfast_breaker_trips_total
//	holdfast.breaker.rejections      counter (async) {call}                                              holdfast_breaker_rejections_total
//	holdfast.breaker.calls           counter (async) {call}       holdfast.breaker.outcome               holdfast_breaker_calls_total
//	holdfast.breaker.transitions     counter         {transition} holdfast.breaker.from, .state          holdfast_breaker_transitions_total
//	holdfast.cache.hits              counter (async) {call}       holdfast.cache.tier                    holdfast_cache_hits_total
//	holdfast.cache.misses            counter (async) {call}                                              holdfast_cache_misses_total
//	holdfast.cache.stale_served      counter (async) {call}                                              holdfast_cache_stale_served_total
//	holdfast.cache.negative_hits     counter (async) {call}                                              holdfast_cache_negative_hits_total
//	holdfast.cache.loads             counter (async) {call}                                              holdfast_cache_loads_total
//	holdfast.cache.load_errors       counter (async) {call}                                              holdfast_cache_load_errors_total
//	holdfast.cache.refreshes         counter (async) {call}                                              holdfast_cache_refreshes_total
//	holdfast.cache.remote_errors     counter (async) {error}      holdfast.cache.error                   holdfast_cache_remote_errors_total
//	holdfast.cache.invalidations     counter (async) {key}                                               holdfast_cache_invalidations_total
//	holdfast.cache.resets            counter (async) {reset}                                             holdfast_cache_resets_total
//	holdfast.cache.local.entries     gauge (async)   {entry}                                             holdfast_cache_local_entries
//	holdfast.cache.local.evictions   counter (async) {entry}      holdfast.cache.reason                  holdfast_cache_local_evictions_total
//	holdfast.cache.load_time         histogram       s            error.type (on failure)                holdfast_cache_load_time_seconds
//	holdfast.queue.depth             gauge (async)   {item}                                              holdfast_queue_depth
//	holdfast.queue.capacity          gauge (async)   {item}                                              holdfast_queue_capacity
//	holdfast.queue.in_flight         gauge (async)   {item}                                              holdfast_queue_in_flight
//	holdfast.queue.workers           gauge (async)   {worker}                                            holdfast_queue_workers
//	holdfast.queue.items             counter (async) {item}       holdfast.queue.result                  holdfast_queue_items_total
//	holdfast.queue.handle_time       histogram       s            error.type (on failure)                holdfast_queue_handle_time_seconds
//	holdfast.queue.wait_time         histogram       s                                                   holdfast_queue_wait_time_seconds
//	holdfast.queue.redis.lag         gauge (async)   {entry}                                             holdfast_queue_redis_lag
//	holdfast.queue.redis.pending     gauge (async)   {entry}                                             holdfast_queue_redis_pending
//	holdfast.queue.redis.in_flight   gauge (async)   {job}                                               holdfast_queue_redis_in_flight
//	holdfast.queue.redis.jobs        counter (async) {job}        holdfast.queue.redis.result            holdfast_queue_redis_jobs_total
//	holdfast.queue.redis.reclaims    counter (async) {entry}                                             holdfast_queue_redis_reclaims_total
//	holdfast.queue.redis.enqueues    counter (async) {job}        holdfast.queue.redis.result            holdfast_queue_redis_enqueues_total
//	holdfast.idempotency.calls       counter (async) {call}       holdfast.idempotency.result            holdfast_idempotency_calls_total
//	holdfast.idempotency.waits       counter (async) {call}                                              holdfast_idempotency_waits_total
//	holdfast.idempotency.store_errors counter (async) {error}                                            holdfast_idempotency_store_errors_total
//	holdfast.limit.limit             gauge (async)   {call}                                              holdfast_limit_limit
//	holdfast.limit.in_flight         gauge (async)   {call}                                              holdfast_limit_in_flight
//	holdfast.limit.waiting           gauge (async)   {call}                                              holdfast_limit_waiting
//	holdfast.limit.calls             counter (async) {call}       holdfast.limit.result                  holdfast_limit_calls_total
//	holdfast.limit.wait_time         counter (async) s                                                   holdfast_limit_wait_time_seconds_total
//	holdfast.limit.throttle.probability gauge (async) 1                                                  holdfast_limit_throttle_probability_ratio
//	holdfast.deadline.budget         histogram       s                                                   holdfast_deadline_budget_seconds
//	holdfast.deadline.remaining      histogram       s            (holdfast.name: the dependency)        holdfast_deadline_remaining_seconds
//	holdfast.hedge.calls             counter         {call}       holdfast.hedge.reason                  holdfast_hedge_calls_total
//	http.client.request.duration     histogram       s            http.request.method,                   http_client_request_duration_seconds
//	                                                              http.response.status_code, error.type
//
// The attribute values: holdfast.retry.result is one of [RetryResult]'s;
// holdfast.breaker.state and .from are breaker states ("closed", "open",
// "half-open", "forced-open", "disabled"); holdfast.breaker.outcome is
// "success", "failure" or "ignored"; holdfast.cache.tier "local" or
// "remote"; holdfast.cache.error "store", "decode" or "encode";
// holdfast.cache.reason "evicted", "expired", "replaced" or "deleted";
// holdfast.queue.result "accepted", "handled", "failed", "dropped",
// "rejected" or "returned"; holdfast.queue.redis.result "handled",
// "failed", "retried", "dead_lettered" or "released" on jobs (dead_lettered
// counts the dead letters; lag and pending are the consumer group's,
// absent until the consumer's first maintenance pass), and "enqueued",
// "duplicate", "full" or "error" on enqueues; holdfast.idempotency.result
// "executed", "replayed", "conflict", "rejected" (the key was in progress)
// or "fail_open"; holdfast.limit.result "admitted", "rejected"
// (shed) or "canceled"; holdfast.hedge.reason "delay" or "failure";
// error.type one of [ErrorType]'s.
//
// # Traces
//
// A dependency call through a retry policy over a breaker, with a retry:
//
//	payments                          client span (Dependency)
//	│  holdfast.name=payments, holdfast.deadline.remaining=0.8
//	│  error.type on failure, status Error
//	├── payments attempt              holdfast.retry.attempt=1, delay=0
//	│     error.type=503, status Error
//	├── payments attempt              holdfast.retry.attempt=2, delay=0.012
//	│     http.request.resend_count=1 (HTTP policies)
//	│     event holdfast.breaker.rejected {holdfast.breaker.state=open}
//	│       (if the breaker rejected it; the attempt's ctx is the call's)
//	└── (spans of the HTTP client or driver, children of each attempt)
//
// A hedged call ([fanout.Hedge] with a [HedgeObserver]) adds an event
// holdfast.hedge {holdfast.hedge.call=2, holdfast.hedge.reason=delay} to
// the span of Hedge's ctx for each call it adds to the first.
//
// The attempt spans carry the attempt's ctx to fn (and to a
// [retry.Transport]'s requests), so a client instrumented for tracing
// nests its own spans, and propagates the trace, under each attempt. For
// the http.client.* instrument and spans of the semantic conventions, use
// [Instrumentation.HTTPTransport] (http.client.request.duration, without
// server.address) under retry.Transport, and a base transport instrumented
// for tracing (otelhttp's) for the HTTP client spans.
//
// # Not instrumented yet
//
// Cache loads and pool items are measured but get no spans of their own:
// wrap a loader in a [Dependency] for one; a pool's worker runs without
// its submitter's ctx.
package holdfastotel
