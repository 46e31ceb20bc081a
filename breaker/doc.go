// Package breaker is a circuit breaker: it wraps calls to a dependency
// that may fail, and when the dependency is failing it makes callers fail
// fast, without calling it, instead of piling up behind timeouts. After a
// while it lets a few probe calls through, and readmits the dependency when
// they succeed.
//
// # States
//
//	             trip rule met
//	+--------+ -------------------> +------+ <-------------+
//	| closed |                      | open |               | a probe fails
//	+--------+                      +------+               | (or is slow)
//	    ^                  open duration |                 |
//	    |                  passed: first v                 |
//	    |                  call   +-----------+            |
//	    +-------------------------| half-open |------------+
//	      enough probes succeed   +-----------+
//
//	from any state: ForceOpen -> forced-open (rejects every call)
//	                Disable   -> disabled (lets every call through, records nothing)
//	                Reset     -> closed, with an empty window
//
// Closed lets every call through and records its outcome. Open rejects
// every call with an error matching [ErrOpen], an [*OpenError] that says how
// long until the next probe. Half-open lets [WithHalfOpenProbes] probe calls
// through and rejects the others; one failed probe reopens the breaker,
// [WithHalfOpenSuccesses] successful ones close it with an empty window. No
// goroutine or timer runs: the move from open to half-open happens on the
// first call (or [Breaker.State]) after the open duration.
//
// The breaker trips (closed to open) on any of the rules configured:
//
//   - [WithConsecutiveFailures]: n failures in a row (the default rule,
//     with n = [DefaultConsecutiveFailures], when no rule is given);
//   - [WithFailureRate]: the share of failures in a sliding window, either
//     the last n calls ([WithCountWindow]) or the last d of time, in buckets
//     ([WithTimeWindow]), once the window holds [WithMinimumCalls] calls;
//   - [WithSlowCall]: the share of calls slower than a threshold, failed
//     or not, in the same window.
//
// The open duration ([WithOpenDuration]) can grow on repeated trips,
// exponentially up to a cap and jittered ([WithOpenBackoff]); a recovery
// resets it. [WithIsFailure] and [WithIsIgnored] classify errors: by default
// nil is a success, an error matching [context.Canceled] is not recorded at
// all (the caller gave up, which says nothing of the dependency), and any
// other error is a failure. A panic in the called function is a failure,
// and goes on to the caller.
//
// # Which call to use
//
// [Breaker.Do] wraps a func(ctx) error, and its method value b.Do fits any
// API that takes a guard of type func(context.Context, func(context.Context)
// error) error. [Execute] does the same for a function that returns a value.
// [Breaker.Allow] is the two-step form for a call that cannot be wrapped in
// a function (a stream, a call whose outcome is known later): it returns a
// done func to call with the outcome. For an HTTP client, [Transport] does
// that for you.
//
// # HTTP clients
//
// [Transport] guards an [net/http.Client]: while the breaker rejects
// calls, requests fail with an error matching [ErrOpen] without touching
// the network. It records each response's outcome as it arrives (so that a
// body still being read holds nothing): a transport error as the breaker's
// [WithIsFailure] and [WithIsIgnored] classify it, a 5xx as a failure, a
// 429 not at all (the server is up and limiting this client), any other
// status as a success; [WithClassifier] changes that.
//
// With retries and a propagated deadline, stack the transports in this
// order, the network last:
//
//	rt, err := deadline.Transport(http.DefaultTransport) // innermost
//	rt, err = breaker.Transport(rt, b)
//	rt, err = retry.Transport(rt, policy)                 // outermost
//	client := &http.Client{Transport: rt}
//
// Each attempt passes through the breaker and carries its own remaining
// budget. A rejection's [OpenError.RetryAfter] is the time until the next
// probe, which the retry waits for, or gives up at once when the probe
// would come after the request's deadline or beyond the retry's cap on
// Retry-After.
//
// # Choosing thresholds
//
// Consecutive failures suit a dependency called rarely, or one that tends
// to fail all at once; it needs no window and is the cheapest rule. A failure
// rate suits a busy dependency that fails partially: a window too small (or
// a minimum of calls too low) trips on noise, one too large reacts slowly.
// Take a window that holds a few seconds of traffic, a minimum of calls of
// 10 to 20 so that a quiet period cannot trip on two failures out of three,
// and a threshold well above the dependency's normal error rate (0.5 is
// common). A time window suits traffic that varies a lot, where "the last
// 100 calls" may be a second or an hour old. Use the slow-call rule when a
// dependency degrades by slowing down before it fails, with a threshold
// above its normal high percentiles and below the callers' timeouts. Take an
// open duration of the order of the dependency's recovery time (seconds),
// and let it grow when outages last.
//
// # When not to use a breaker
//
// A breaker is the wrong tool for errors that are about the request rather
// than the dependency (a 404, a validation error: classify them as
// successes with [WithIsFailure]), for a dependency the caller cannot do
// without and has no fallback for (failing fast only changes the error),
// for protecting a service from its own overload (use a limit on concurrent
// calls or a queue with backpressure), and in place of retries (it works
// with them: each attempt of a retry goes through the breaker, and an
// [ErrOpen] is retried only after the wait its [OpenError.RetryAfter]
// gives, never at once). One
// breaker should guard one dependency (one host or one endpoint), or the
// failure of one part trips the others.
//
// # Cost
//
// In the closed state, [Breaker.Do], [Execute] and [Breaker.Allow] take no
// lock and do not allocate. A successful call costs, on top of the call
// itself (figures from a 2-core VM; ns/op serial, then under
// b.RunParallel):
//
//   - consecutive failures alone: about 9ns, 4ns in parallel. A success
//     only reads shared memory, so it scales with the cores.
//   - a count window: the same while the window holds only successes (a
//     success would replace a success, so it records nothing). Otherwise
//     every call adds to one shared sequence number (about 17ns serial),
//     and calls on different cores contend for its cache line.
//   - a time window: about 45ns, 25ns in parallel, of which reading the
//     clock takes about 25ns on that VM (BenchmarkBaseline/clock measures
//     it on yours). Calls are counted in counters that
//     are striped per processor (P) once calls contend for them, and
//     summed when a rate is evaluated: by every failed or slow call, but
//     by a success only when the window may hold a failed or slow call and
//     no evaluation in the same bucket has yet found the minimum of calls
//     reached and the rates below their thresholds.
//   - [WithSlowCall]: reads the clock twice per call, about 60ns, 30ns in
//     parallel, with a count window as above.
//
// [Transport] adds about 15ns to a request in the closed state (with
// consecutive failures alone), without allocating. Changes of state take
// a mutex and allocate a little; a call rejected in
// the open state allocates its error, which carries its own time until the
// next probe.
//
// # Example
//
//	b, err := breaker.New(
//		breaker.WithName("payments"),
//		breaker.WithFailureRate(0.5),
//		breaker.WithTimeWindow(30*time.Second, 10),
//		breaker.WithMinimumCalls(20),
//		breaker.WithOpenDuration(5*time.Second),
//	)
//	if err != nil {
//		return err
//	}
//	err = b.Do(ctx, func(ctx context.Context) error {
//		return payments.Charge(ctx, order)
//	})
//	if errors.Is(err, breaker.ErrOpen) {
//		// Fail fast: use a fallback, or tell the caller to retry later.
//	}
package breaker
