// Package limit is admission control: it bounds how much work is in
// flight, so that a service under more load than it can serve rejects the
// excess quickly instead of queueing without bound and timing out
// everything.
//
// # Which limiter
//
//   - [Bulkhead]: at most N calls at once, a bounded number waiting (FIFO,
//     or LIFO with [WithLIFO]) for at most [WithMaxWait]. Use it when you
//     know the number: a connection pool's size, the concurrency a
//     dependency is sized for, a share of this process's memory. Cheap: one
//     lock per acquire and per release.
//   - [Adaptive] ([NewAIMD], [NewVegas]): the same, with a limit that finds
//     itself from the latency and errors of the calls it admits, between
//     [WithLimits]. Use it when the right number moves (autoscaled
//     dependencies, shared databases) or is unknown. It reads the clock
//     twice per call.
//   - [Throttle]: the SRE book's client-side throttle. It bounds no
//     concurrency; it rejects locally a share of calls to a dependency
//     that is refusing many of them, so a caller stops spending round
//     trips on calls that will fail. A cheap alternative to a circuit
//     breaker when the dependency is overloaded rather than down.
//   - [KeyedBulkhead]: a bulkhead per key (tenant, user, route), so that
//     one key cannot take every place; memory bounded by the keys in use.
//   - [KeyedRate]: a token bucket per key (tenant, user, IP) in this
//     process, with bounded memory. For a rate shared by every replica,
//     use limit/redis.
//   - [Shed]: HTTP middleware that admits requests through any [Limiter]
//     and answers the rejected ones 503 (or 429) with Retry-After, never
//     shedding [Critical] requests and shedding [Sheddable] ones first.
//
// Every limiter has Acquire(ctx) and TryAcquire(), which return a
// [Permit] to release with the call's outcome (TryAcquire returns an error
// too, not a bool, so that its rejection carries the same retry-after
// hint), and Do(ctx, fn), which does both around fn. A rejection is an error matching [ErrLimited], a
// [*LimitedError] whose RetryAfter method gives a hint of when to try
// again (a retry policy that honours retry.RetryAfterer uses it).
// Releasing: see [Permit] (a second Release of the same variable does
// nothing; the zero Permit may be released).
//
// # AIMD or Vegas
//
// AIMD grows the limit by one per window ([WithWindow]) and multiplies it
// by [WithBackoff] on a window with an overload: an error (see
// [WithIsOverload]) or, with [WithLatencyThreshold], an average latency
// above a threshold. It needs no model of the dependency, reacts to errors
// at once, and settles in a saw-tooth just under the point where the
// dependency starts to fail or to pass the threshold; its weakness is that
// threshold, which is a number you must pick.
//
// Vegas ([NewVegas]) needs no threshold: it takes the dependency's
// latency with no queue (the baseline) to be the smallest latency of its
// recent windows, estimates the queue at the dependency from each window
// (calls in flight × (1 − baseline / window's smallest latency)) and
// keeps it between alpha and beta ([WithQueue]). It settles a few calls
// above the dependency's knee, where latency starts to grow, and holds.
// This package fixes two known weaknesses of the anchors' versions:
// growing by one at every distance ramps too slowly from far below the
// knee, so with no queue at all it grows by a tenth; and it compares
// minimums, not an average with a minimum, so scheduling and network
// noise do not read as a queue.
//
// The baseline is measured again all the time: windows are grouped in
// epochs of 120 (30s at the default window), and the baseline is the
// smallest latency of this epoch and the one before. It falls at once
// when a window is faster; it rises only when two epochs in a row were
// slower. So one unusually fast call (a cached answer, an error returned
// before calling the dependency but released as a success) holds the
// limit down for one to two epochs, not for good; and when the
// dependency's latency with no load rises for good (it moved further
// away), Vegas reads the rise as a queue and shrinks the limit, then
// measures the new latency and comes back (10ms becoming 40ms: down to
// about 8 calls, back above the knee within 80s). The cost is under
// sustained overload: if every window for two epochs runs at the limit,
// above the knee, no window sees the dependency without a queue, the
// baseline rises to the latency with that small queue, and the limit
// climbs by a few calls per epoch (in the tests' model, 10ms up to 50 in
// flight under 200 callers: about 4 calls a minute, 56 to 92 in ten
// minutes). Any window with fewer calls in flight, or an overload error
// ([WithIsOverload]), brings it back down. If overload lasts for long,
// report overload errors, bound the limit with [WithLimits], or use AIMD.
//
// Both share one rule: a window whose calls in flight stayed below half
// the limit never pushes the limit up. A limiter far from its limit learns
// nothing about where the dependency's knee is; without this rule a
// limit grows without bound while traffic is light (a known issue of
// gradient limiters), and the first burst finds no protection.
//
// # Picking numbers
//
// A bulkhead's N: Little's law, N = throughput × latency of the thing
// protected, at the load it should take, plus a margin; for a pool, its
// size. Allow waiting ([WithMaxWaiting]) only for short bursts: a few
// times N, and a max wait well under the caller's timeout (or the waits
// become the timeouts). Prefer LIFO when callers time out: it serves the
// callers that are still waiting for an answer.
//
// An adaptive limiter: set [WithLimits] to what would be absurd (min: the
// concurrency you always want to allow; max: what would hurt the
// dependency even if it were fast), the window to several times the
// dependency's latency with enough calls in it ([WithWindow]), and leave
// the rest at its defaults.
//
// The throttle: K = 2 (the SRE book's) rejects little until the dependency
// refuses half the calls; K = 1.1 is aggressive. The window
// ([WithThrottleWindow]) sets how long it remembers: two minutes by
// default. Its rejections are random draws; [WithThrottleRand] gives it a
// seeded source, so that a test or a simulation repeats.
//
// # What it costs
//
// Acquire and release of a free place take a few tens of nanoseconds and
// allocate nothing (see bench_test.go); a wait allocates a channel and,
// with [WithMaxWait], a timer. No limiter starts a goroutine.
//
// # When not to use it
//
// To bound fan-out inside one request, use package fanout's limit; to
// bound a work queue, package queue. A limiter protects a service or a
// dependency from the sum of all requests.
package limit
