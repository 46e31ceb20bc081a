// Package holdfast composes the module's patterns into one reusable
// pipeline: an overall timeout, a fallback, retries, hedging, a concurrency
// limit, a circuit breaker and a per-attempt timeout, stacked in the right
// order around a call.
//
// The pattern packages ([retry], [breaker], [deadline], [fanout], [limit])
// never import one another, and each is usable alone. Stacking them by hand
// means nesting closures and getting the order right: is the breaker inside
// the retry or outside, does the attempt timeout count the backoff waits,
// does a bulkhead slot stay taken while a retry sleeps. A [Pipeline] makes
// those choices once, from the pieces you already built:
//
//	p, err := holdfast.New(
//		holdfast.WithTimeout(2*time.Second),
//		holdfast.WithRetry(policy),        // a *retry.Policy, with its Budget
//		holdfast.WithBreaker(b),           // a *breaker.Breaker
//		holdfast.WithLimiter(bulkhead),    // any limit.Limiter
//		holdfast.WithAttemptTimeout(300*time.Millisecond),
//	)
//	...
//	price, err := holdfast.Run(ctx, p, fetchPrice)
//
// # The order
//
// The order is the package's, not the options':
//
//	caller
//	  └─ WithTimeout          overall deadline, layer "call"
//	      └─ WithFallback     answers once everything inside has given up
//	          └─ WithRetry    waits between attempts, draws on its Budget
//	              └─ WithHedge        races a backup attempt after a delay
//	                  └─ WithLimiter  one Permit per attempt
//	                      └─ WithBreaker      rejects while open
//	                          └─ WithAttemptTimeout   layer "attempt"
//	                              └─ fn
//
// Why each piece sits where it does:
//
//   - The overall timeout is outermost so that it bounds everything,
//     fallback included: the caller's budget is the one promise that holds.
//   - The fallback is outside the retry so that it runs once, after the
//     retries have given up, and sees the final error (a [*retry.Error], an
//     open breaker, a full limiter or a timeout). It is inside the overall
//     timeout, and gets the call's ctx: a fallback that answers from a cache
//     does not look at it; one that calls out should check it.
//   - The retry is outside the hedge, the limiter and the breaker, so each
//     of its attempts passes through all three afresh: a retried attempt
//     takes a new Permit and is judged by the breaker's current state. A
//     rejection by the breaker or the limiter carries the time to wait
//     ([retry.RetryAfterer]), so the retry waits for the next probe instead
//     of retrying at once, or gives up when that is past its caps or the
//     deadline.
//   - The hedge is inside the retry (a hedged race is one attempt) and
//     outside the limiter and the breaker, so the backup call takes its own
//     Permit and is rejected by an open breaker like any other call.
//   - The limiter is inside the retry, so no slot is held while the retry
//     waits, and outside the breaker, so that a rejection by the limiter
//     (local backpressure, not a failure of the dependency) never counts
//     against the breaker. A rejection by an open breaker is released to the
//     limiter as a failure: an adaptive limit reads an open breaker as an
//     overloaded dependency and shrinks, which is what it should do. The
//     slot such a rejection holds is held for nanoseconds. (The design notes
//     first placed the limiter inside the breaker; that order makes every
//     local rejection a breaker failure unless each breaker is configured
//     to ignore [limit.ErrLimited], so this package puts it outside.)
//   - The breaker is outside the attempt timeout, so an attempt that times
//     out is a failure the breaker counts: a slow dependency trips it.
//   - The attempt timeout is innermost, around fn alone, so it measures the
//     dependency and not the waits for the retry or the limiter.
//
// This is the order of the standard pipelines of Polly and
// failsafe-go (timeout, fallback, retry, circuit breaker, attempt timeout),
// with the hedge and the limiter placed per attempt.
//
// # Errors
//
// The errors are those of the pieces, unchanged, so callers branch on them
// as they would without the pipeline: [breaker.ErrOpen],
// [limit.ErrLimited], [retry.ErrBudgetExhausted] (through [*retry.Error]),
// and timeouts that match [context.DeadlineExceeded] and name their layer
// ([deadline.Layer] returns [LayerCall] or [LayerAttempt]). A fallback sees
// the same error; when the fallback fails too, the call returns its error
// joined with the cause, so both match.
//
// # Cost
//
// A call allocates what its pieces allocate (none for the retry's first
// attempt, the breaker in its closed state and a limiter's Permit; a timer
// context for each timeout; goroutines and a channel for a hedge), and at
// most one allocation of the pipeline's own: fn. Because a pipeline may
// hand fn to a hedge's goroutines, the compiler moves a fn that is a
// closure (a function literal that captures variables, or a method value)
// to the heap on every call, whether or not the pipeline hedges: about 24
// bytes, once per call. A fn that is a top-level function allocates
// nothing, and [Pipeline.Do] allocates its wrapper of fn the same way.
// Nested by hand without a hedge, the closure stays on the stack.
// Beyond that it costs function calls; bench_test.go measures it beside
// the same pieces nested by hand.
//
// # When not to use it
//
// When a call needs only one piece, use that package directly. When two
// calls need different pieces or an order this package does not give (a
// retry outside a per-tenant limiter, say), nest the packages by hand:
// they are built for it, and the pipeline's doc above is the checklist.
package holdfast
