// Package deadline gives every hop of a request an explicit time budget and
// carries what is left of it downstream, across HTTP and into gRPC services.
//
// # Latency budgets
//
// A request arrives with a budget: the time its caller will wait. Each hop
// spends part of it and hands the rest to the calls it makes, so that no
// service keeps working on a request whose caller has already given up, and
// a call that cannot finish in the time left fails at once instead of being
// started.
//
// Per-hop timeouts alone do not do this. Each service picks its timeouts
// from its own point of view, and they drift apart as services change: a
// front end gives up after 1s while the service behind it allows its
// database 2s, and that database call retries twice. When the front end's
// timeout fires, the work below it carries on for seconds, holding
// connections and threads, retrying, and queueing ahead of requests that
// could still succeed. Under load the orphaned work is what turns a slow
// dependency into tail latency everywhere, then into an outage. Shortening
// the inner timeouts does not fix it either: a fixed inner timeout is too
// long for a request that arrives with 50ms left and too short for one that
// arrives with 5s.
//
// Propagation fixes it. The budget travels with the request: the
// [Transport] writes the time remaining on the caller's context, less an
// allowance for the network, in a header of every outgoing request; the
// [Middleware] of the next service reads it, caps it with that service's
// own maximum, and makes it the request context's deadline. Deadlines then
// line up along the whole chain: each hop's budget is smaller than its
// caller's, cancelling the caller cancels the work below it, and a hop with
// too little left refuses to call out ([ErrInsufficientBudget]) rather than
// send a request that cannot be answered in time. Budgets travel as
// durations, not timestamps, so hosts' clocks need not agree. This is how
// gRPC propagates deadlines, and its grpc-timeout encoding is supported so
// budgets cross into gRPC services.
//
// # What is here
//
//   - [Remaining], [Require], [Reserve], [Fraction] and [Tighten] work on a
//     context's budget: how much is left, fail fast when it is not enough,
//     keep headroom for the caller's own work, give a call a share of what is
//     left, apply a per-call timeout only when it is tighter.
//   - [WithTimeout] is a named timeout layer: when it fires, the context's
//     cause is a [*TimeoutError] that says which layer expired (the request,
//     the call, the operation), and still matches [context.DeadlineExceeded].
//   - [Middleware] and [Transport] propagate budgets over HTTP in
//     [HeaderTimeout] (milliseconds) and [HeaderGRPCTimeout]. Header values
//     are parsed strictly and without allocating; a malformed or hostile
//     value is ignored or answered with 400, by policy ([WithRejectInvalid]),
//     and never yields a negative or unbounded deadline.
//
// # When not to use it
//
// Work that must finish whatever the caller does (a payment that has been
// accepted, a message to be delivered) should not inherit the caller's
// budget: detach it with [context.WithoutCancel] and give it its own. Long
// streams and background jobs have no meaningful per-request budget. A
// public endpoint should not let clients choose its deadlines beyond a
// small maximum ([WithMaxTimeout]); the default is 30s.
//
// # Cost
//
// Reading the budget ([Remaining], [Require], and [Tighten] when it changes
// nothing) does not allocate. Deriving a context costs what the context
// package charges (four allocations for a timer context), plus the cause of
// a named layer. The middleware adds to a bare handler what any deadline
// middleware needs, a timer context and a request copy, plus the cause when
// the budget came from a header: five or six allocations, and three more
// under a server's request context, which the timer context registers with
// (its done channel and children map). The transport adds three allocations
// per request with up to six headers (five with more): a request copy and
// the header map that the [http.RoundTripper] contract (do not modify the
// caller's request) requires. See bench_test.go.
//
// # Example
//
//	mw, err := deadline.Middleware(deadline.WithMaxTimeout(5 * time.Second))
//	if err != nil { ... }
//	rt, err := deadline.Transport(http.DefaultTransport)
//	if err != nil { ... }
//	client := &http.Client{Transport: rt}
//	http.Handle("/", mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		if err := deadline.Require(r.Context(), 50*time.Millisecond); err != nil {
//			http.Error(w, err.Error(), http.StatusGatewayTimeout)
//			return
//		}
//		req, _ := http.NewRequestWithContext(r.Context(), "GET", backendURL, nil)
//		resp, err := client.Do(req) // carries what is left of r's budget
//		...
//	})))
package deadline
