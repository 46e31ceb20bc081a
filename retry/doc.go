// Package retry retries calls that fail for passing reasons: with jittered
// exponential backoff, capped attempts and time, error classification, a
// server's Retry-After hint, and a retry budget shared by many calls.
//
// # The pattern
//
// A call to another service can fail for a moment: a dropped connection, a
// leader election, an overloaded replica. Trying again after a short, random
// delay often succeeds. Done carelessly, retries make things worse: clients
// that failed together retry together (so spread them with jitter), a client
// retries forever (so cap the attempts and the time), and in an outage every
// client multiplies its load by its number of attempts (so draw retries from
// a shared [Budget], which lets them add at most a fixed share to the load).
//
//	err := retry.Do(ctx, func(ctx context.Context) error {
//		return client.Ping(ctx)
//	})
//
// makes up to 3 attempts in all, with full jitter from 100ms, capped at 10s
// ([DefaultMaxAttempts], [DefaultBase], [DefaultCap]), and never sleeps past
// ctx's deadline. On a hot path, build a [Policy] once and call
// [Policy.Do] or [Execute]; [Do] and [DoValue] build their options on
// every call.
//
// # When to retry, and when not
//
// Retry what is idempotent (reads, puts of a whole value, writes carrying an
// idempotency key the server deduplicates) and what failed for a passing
// reason (timeouts, 503, 429, connection resets). Do not retry a
// non-idempotent write (a payment, an append, an increment) unless the
// server deduplicates it: the first attempt may have succeeded and only its
// answer been lost, so a retry does it twice. Do not retry what will fail
// the same way again (400, 401, 404, validation errors): mark such errors
// with [Permanent] or reject them with [WithRetryIf]. Do not retry at every
// layer of a stack: retries multiply (3 layers of 3 attempts make 27 calls
// to the bottom); retry at one layer, or share a [Budget]. And do not retry
// when the caller has given up: the caller's cancellation or deadline is
// never retried. For exactly-once effects, use an idempotency key per
// entry: one key per logical operation, the same on every attempt, that
// the server (or package idempotency) deduplicates.
//
// # Strategies
//
// The delays follow the formulas of the AWS Architecture Blog article
// "Exponential Backoff And Jitter"; each [Strategy] has a base and a cap:
//
//   - [FullJitter] (the default): random in [0, min(cap, base*2^n)]. Fewest
//     calls under contention.
//   - [Decorrelated]: random in [base, 3*previous], capped. As few calls,
//     and often the soonest done.
//   - [EqualJitter]: half the exponential delay plus a random half. Never
//     retries very early, at the price of more calls.
//   - [Exponential]: min(cap, base*2^n) without jitter. Clients retry in
//     lockstep; here for comparison.
//   - [Constant]: the same delay every time.
//
// Package sim's Jitter reproduces the article's comparison (clients
// contending for one resource, where colliding attempts fail) in virtual
// time; run `go test -bench Jitter ./sim` to see calls and completion time
// per strategy. A Strategy is a pure description, safe to share;
// [Strategy.Delay] computes one delay without allocating, and [NewBackOff]
// wraps a Strategy in a stateful [backoff.BackOff] for cenkalti's
// [backoff.Retry]. Conversely [WithBackOff] accepts any [backoff.BackOff],
// such as [backoff.NewExponentialBackOff], through a constructor (a BackOff
// has state; a Policy is shared). [WithRand] injects a seeded random source
// for deterministic tests.
//
// # Caps, classification, hints
//
// [WithMaxAttempts] caps the attempts, [WithMaxElapsed] the time until the
// last attempt starts, [WithAttemptTimeout] each attempt (through a child
// context; an attempt's own timeout is retryable). When the next delay would
// end past ctx's deadline, the call returns at once with the last error
// rather than sleep for nothing. An error is retried unless it is
// [Permanent] (cenkalti's [backoff.Permanent] too), [WithRetryIf] rejects
// it, or the caller's ctx has ended. An error implementing [RetryAfterer]
// (wrap one with [After]) sets the next delay, bounded by
// [WithMaxRetryAfter] and the deadline.
//
// A call that fails returns an [*Error]: the attempts, the last error (which
// errors.Is and errors.As see through it) and the reason it stopped, which
// errors.Is also matches: [ErrAttemptsExhausted], [ErrBudgetExhausted],
// [ErrOutOfTime], [ErrBackOffStop], the caller's context error, or none for
// an error that was not retryable.
//
// # HTTP clients
//
// [Transport] retries the requests of an [net/http.Client] under a
// [Policy], done the way HTTP needs: it retries transport errors and 429,
// 502, 503 and 504 ([WithRetryStatus]), only for idempotent methods (GET,
// HEAD, OPTIONS, TRACE, PUT, DELETE) or requests carrying an
// [HeaderIdempotencyKey] ([WithAllMethods] opts the others in), and a 409
// answered to a request with a key; it sends the body again from
// Request.GetBody and does not retry a body it cannot rewind; it reads
// and closes every response it discards, so that connections are reused
// ([WithDrainLimit]); it waits what a Retry-After header asks, in seconds
// or as a date ([ParseRetryAfter]), within [WithMaxRetryAfter] and the
// request's deadline; and when it gives up on a retryable status it
// returns that last response, body unread, as a client without retries
// would.
//
// With a circuit breaker and a propagated deadline, stack the transports
// in this order, the network last:
//
//	rt, err := deadline.Transport(http.DefaultTransport) // innermost
//	rt, err = breaker.Transport(rt, b)
//	rt, err = retry.Transport(rt, policy)                 // outermost
//	client := &http.Client{Transport: rt}
//
// Each attempt then passes through the breaker (which counts every
// attempt's outcome, and rejects attempts while the dependency is down)
// and carries its own remaining budget, computed when it is sent. A
// breaker's rejection carries the time until its next probe as a
// Retry-After hint ([RetryAfterer]): the retry waits for the probe, or
// stops at once when the probe would come after the deadline or beyond
// [WithMaxRetryAfter], instead of being rejected again and again (to fail
// fast on an open breaker instead, reject its error with [WithRetryIf]). Retry outside the breaker, not inside
// it: a retry loop inside one breaker call hides the attempts' failures
// from the breaker and keeps calling a dependency the breaker knows is
// down.
//
// The package faultinject (in this module) makes the failures to test
// such a client with: scripted or random statuses, resets, latency and
// slow bodies, on the fake clock of testing/synctest.
//
// # Budget
//
// A [Budget] follows Finagle's RetryBudget: each call deposits a fraction of
// a retry ([WithPercentCanRetry], 20% by default), each retry withdraws one,
// deposits expire after a window ([WithTTL], 10s), and a reserve allows a
// few retries a second whatever the traffic ([WithMinRetriesPerSec], 10).
// Share one Budget among all the calls to one dependency with [WithBudget].
//
// # Cost
//
// A [Policy] call whose first attempt succeeds costs about 10ns over calling
// fn and does not allocate, and a request through [Transport] about 15ns
// over its base, without allocating (cenkalti's backoff.Retry takes about 70ns and
// one allocation); a per-attempt timeout adds a child context, a budget a
// deposit under a mutex (about 90ns under contention). A retry allocates a
// timer, and a failed call its [*Error]. The package starts no goroutine: fn
// runs on the caller's goroutine, and a panic in fn reaches the caller as it
// would without retries.
package retry
