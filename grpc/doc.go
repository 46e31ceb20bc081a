// Package holdfastgrpc brings holdfast's retries, circuit breakers and
// load shedding to gRPC, as interceptors that behave like the HTTP
// transports of packages retry and breaker and the middleware of package
// limit.
//
// # Layout
//
// It lives in a module of its own, github.com/holdfast-go/holdfast/grpc,
// so that the core module does not depend on gRPC; the module is
// versioned with its own tags, grpc/vX.Y.Z. The package is named
// holdfastgrpc, not grpc: a package grpc would clash with
// google.golang.org/grpc in every file that needs both, which is every
// file that uses it. It is one package, not one per pattern: the
// interceptors are small, share their handling of status codes and
// pushback, and are used together.
//
// # Clients
//
// [UnaryClientRetry] and [StreamClientRetry] retry calls under a
// [retry.Policy]: its attempts, backoff, caps, budget and hooks apply.
// They retry UNAVAILABLE ([WithRetryCodes]) and RESOURCE_EXHAUSTED when
// the server sent a pushback ([WithPushbackCodes]), never the rest by
// default (DEADLINE_EXCEEDED, INTERNAL, ...); they honour the server's
// pushback, the [MetadataPushback] trailer, which sets the delay (and a
// negative or malformed one forbids the retry); they never wait past the
// call's deadline. A stream is retried only until its first response
// message (or until the caller reads its header), replaying the messages
// sent so far.
//
// [UnaryClientBreaker] and [StreamClientBreaker] guard calls with a
// [breaker.Breaker]: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED
// and INTERNAL count as failures ([WithFailureCodes]), the rest as
// successes; while the breaker is open, calls fail at once with an
// [*OpenError], a status UNAVAILABLE that matches breaker.ErrOpen.
//
// Chain them retry first, breaker second, so that each attempt passes the
// breaker and a rejection's wait until the next probe paces the retries
// (retrying inside the breaker would hide the attempts from it):
//
//	policy, err := retry.New(retry.WithBudget(budget))
//	retryI, err := holdfastgrpc.UnaryClientRetry(policy)
//	breakerI, err := holdfastgrpc.UnaryClientBreaker(b)
//	cc, err := grpc.NewClient(target,
//		grpc.WithChainUnaryInterceptor(retryI, breakerI),
//		grpc.WithDisableRetry(), // see below
//	)
//
// The interceptors apply to every method of the connection. Retry only
// idempotent methods (see package retry): for a connection that also
// serves others, wrap the retry interceptor in one that calls the invoker
// directly for them.
//
// # gRPC's own retries
//
// grpc-go retries by itself when the service config gives a method a
// retryPolicy (maxAttempts, backoff, retryableStatusCodes, and a
// retryThrottling token bucket for the channel), with the same rule for
// pushback; it commits a stream earlier, when its response headers
// arrive. Its policy can come from the resolver (DNS,
// xDS), not only from the code. The two multiply: 3 attempts of this
// interceptor, each made of 3 attempts of grpc-go's, make 9 calls. Turn
// one off:
//
//   - With these interceptors, dial with [grpc.WithDisableRetry]: grpc-go
//     then ignores any retryPolicy. It still replays, transparently, a call
//     that never reached the server's application, which multiplies
//     nothing.
//   - With grpc-go's policy, leave out the retry interceptors and keep the
//     breaker's and the server's.
//
// What the interceptors add: one [retry.Policy] and one [retry.Budget]
// shared with HTTP clients and any other code, the choice of strategies,
// hooks (metrics, logs), and the breaker's wait until its next probe.
// What grpc-go's policy has that they do not: hedging, and configuration
// pushed to clients through the service config.
//
// # Servers
//
// [UnaryServerShed] and [StreamServerShed] admit calls through a
// [limit.Limiter] (a [limit.Bulkhead], an adaptive limit, a throttle)
// and answer the excess RESOURCE_EXHAUSTED at once, with the pushback
// trailer set from the limiter's hint, so that clients retrying with
// these interceptors (or grpc-go's policy) come back after that long.
// [WithPriority] exempts critical methods and sheds the sheddable first.
//
// # Deadlines
//
// Deadlines cross gRPC natively and need no interceptor: grpc-go sends
// what is left of a call's context deadline in the grpc-timeout header,
// and the server's handler gets a context with that deadline. At a
// gateway that serves HTTP and calls gRPC, deadline.Middleware makes the
// HTTP caller's budget (its Request-Timeout or grpc-timeout header,
// capped by deadline.WithMaxTimeout) the request context's deadline;
// pass that context, or one derived from it with deadline.Reserve to keep
// time for the gateway's own work, to the gRPC call, and the budget goes
// on as grpc-timeout. deadline.FormatGRPCTimeout (and ParseGRPCTimeout)
// are for code that writes or reads the header itself, such as a proxy
// forwarding raw headers. A retry never starts an attempt that could not
// begin before the deadline, and each attempt carries the time then left.
//
// # When not to use it
//
// Without holdfast elsewhere in a program, grpc-go's own retry policy
// (configured in the service config) may be all a client needs. Do not
// retry non-idempotent methods whose server does not deduplicate them;
// do not shed on a server whose load is bounded elsewhere (a queue in
// front of it), where a rejection only moves the queue to the clients.
//
// # Cost
//
// Alone around an invoker that returns at once (BenchmarkInterceptor; the
// quietest of five runs on a shared 2-core VM, where runs varied up to
// threefold): the retry interceptor adds about 80ns and two small
// allocations (24 bytes) to a call that succeeds, the breaker interceptor
// about 25ns and the shedding interceptor about 50ns, neither allocating.
// Over an in-memory connection (BenchmarkUnary), where a call costs about
// 50µs and 148 allocations, the retry interceptor adds 4 allocations (its
// two, and gRPC's copy of the trailer it asks for) and the others none;
// their time is within that benchmark's noise. A stream through the retry
// interceptor allocates its wrapper and the list of messages kept until
// its first response. None starts a goroutine.
package holdfastgrpc
