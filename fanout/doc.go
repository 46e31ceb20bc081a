// Package fanout runs many calls at once to cut latency, never more than a
// limit at a time, and keeps every goroutine it starts inside the call that
// started it: when a call returns (or a range loop over a [Stream] ends),
// nothing it started is still running.
//
// # At a glance
//
//   - [Map]: one function over a slice, results in input order, fail fast.
//   - [ForEach]: the same without results.
//   - [MapAll]: every item runs; each result carries its own error, and the
//     failures are joined (Python's gather with return_exceptions=True).
//   - [Group]: tasks added as you go (Go, TryGo, Wait); the first failure
//     cancels the group's context. errgroup with a default limit.
//   - [Stream]: an [iter.Seq] in, an [iter.Seq2] of results out, in input
//     order or as completed, paced by the consumer with bounded memory.
//   - [Hedge]: call, and call again after a delay if the first has not
//     answered; the first success wins and the others are cancelled.
//
// # When to fan out
//
// Fan out when a request needs several independent calls (to other
// services, a database, a cache) and waiting for them one after another
// costs more latency than the caller can afford. Do not fan out CPU-bound
// work beyond GOMAXPROCS, calls that must happen in order, or calls to a
// dependency that cannot take the extra concurrency: a fan-out multiplies
// the load each request puts on it.
//
// # Choosing the limit
//
// The limit ([WithLimit], default [DefaultLimit] = 16) bounds how many calls
// one fan-out makes at once, so that a request over a thousand items cannot
// become a self-inflicted denial of service. Choose it for the dependency:
// the concurrency it can serve from one caller, divided by the fan-outs that
// may run at once. A limit near the number of items gives the lowest latency
// and the highest load; 1 makes the calls one after another. Nothing is
// unbounded unless asked for with WithLimit([Unlimited]).
//
// # Fail fast or collect all
//
// By default [Map], [ForEach] and [Group] fail fast: the first error cancels
// the context passed to the calls still running, no new call starts, and
// that first error is returned, never the context.Canceled that the other
// calls return once cancelled. Fail fast when one failure makes the whole
// answer useless. Collect all ([MapAll], or [WithCollectAll]) when a partial
// answer is still worth having: a page that shows nine widgets out of ten.
// Either way a panic in user code is recovered on the goroutine where it
// happened, cancels the rest, and is returned as a [*PanicError] once the
// other calls have returned.
//
// # Options
//
// Options are typed by the calls that read them, so that an option given to
// a call that would ignore it is a compile error: [WithMaxAttempts] returns
// a [HedgeOption], which [Map] does not accept. Each call takes one option
// type ([Option], [MapAllOption], [StreamOption], [HedgeOption]); an option
// read by several calls implements each of their types:
//
//	option             Map, ForEach, New   MapAll   Stream   Hedge
//	WithLimit          yes                 yes      yes      -
//	WithTaskTimeout    yes                 yes      yes      yes
//	WithCollectAll     yes                 -        -        -
//	WithOrdered        -                   -        yes      -
//	WithBuffer         -                   -        yes      -
//	WithMaxAttempts    -                   -        -        yes
//	WithHedgeObserver  -                   -        -        yes
//	WithClock          yes                 yes      yes      yes
//
// # Virtual time
//
// [WithClock] runs a call on a [Clock] instead of package time and the go
// statement, so that a simulator (package sim) can run it in virtual time,
// deterministically: the call starts its goroutines with Clock.Go, times
// its per-call deadlines ([WithTaskTimeout]) and Hedge's delay with
// Clock.AfterFunc, and blocks only in Clock.Wait, so the clock knows when
// every goroutine is blocked and time may move on. Unset, the clock costs a
// call a nil check where it starts a goroutine, sets a timeout or waits,
// and no allocation; set, a goroutine, a wait or a wake-up costs an
// allocation or two (see [WithClock]).
//
// # Cost
//
// [Map], [ForEach] and [MapAll] run at most min(limit, len(items)) workers,
// the calling goroutine being one, that claim items with an atomic counter
// and start one another while items are left: no goroutine, context or
// allocation per item (unless
// [WithTaskTimeout] asks for a context per call), several times cheaper than
// a goroutine per item. A [Group] task costs what an errgroup task costs: a
// goroutine and a closure. A [Stream] item costs two channel hand-offs. The
// package benchmarks compare each with errgroup. A [Hedge] costs its
// attempts' goroutines, a context and a timer.
//
// # Example
//
//	users, err := fanout.Map(ctx, ids, func(ctx context.Context, id string) (User, error) {
//		return client.GetUser(ctx, id)
//	}, fanout.WithLimit(8))
package fanout
