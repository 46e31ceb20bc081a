// Package sim compares resilience strategies on a model of a flaky
// dependency, in virtual time, running holdfast's real objects: a
// retry.Policy with or without a retry.Budget, a breaker.Breaker,
// fanout.Hedge, deadline's budgets, limit's limiters. A run of 100,000
// requests over minutes of virtual time takes seconds, sleeps for no real
// time, and is a function of its seed.
//
// # What it models
//
// A [Dependency] is a server: Workers calls in service at once, a FIFO
// queue in front of them, a service time drawn from a [Latency] (Fixed,
// Exponential, LogNormal, HeavyTail, or the user's own measurements with
// Observed and Histogram), an error rate, and [Phase]s that change it for a
// while ([Outage], [Degraded], [Slow], [Recovery]). A call whose caller gave
// up stays queued and is served all the same, so overload feeds on itself
// as it does in real servers.
//
// The [Load] is open-loop: Poisson arrivals at a rate, with [Burst]s, each
// request with its own deadline, optionally fanning out to k calls. A
// [Strategy] builds, on each run's [Env], the [Call] each request makes:
// which objects, in which order, in how many layers (see [Layer]).
//
// [Run] returns a [Result]: goodput, load amplification (dependency calls
// per request), p50/p99/p99.9 latency, errors by cause (timeout, rejected
// by a breaker or limiter, retry budget exhausted, dependency error), the
// time to recover after the last phase ends, and a time series. [Compare]
// runs several strategies on one scenario; [WriteTable] prints them and
// [WriteSVG] draws goodput and p99 over time.
//
// # go test -bench for comparing strategies
//
// BenchmarkScenarios runs each built-in scenario with each of its
// strategies as a sub-benchmark and reports the results with
// b.ReportMetric, so that benchstat compares strategies:
//
//	go test -run '^$' -bench Scenarios -count 5 ./sim | tee runs.txt
//	benchstat -col /strategy runs.txt
//
// A user's own comparison is a benchmark of the same shape: build a
// [Scenario], write the strategies as [Strategy] values, and report
// [Run]'s figures. The built-in scenarios ([RetryStorm], [Layers],
// [Hedging], [Brownout], [Overload], and [Jitter], the AWS article's
// contention model that was retry.Simulate) have their parameters fixed in
// their docs, and a test each that asserts the result.
//
// # How virtual time works with real objects
//
// testing/synctest cannot be the mechanism: it runs only inside a Test.
// Instead, every package that reads the clock or starts timers (retry and
// its Budget, breaker, fanout's Hedge, deadline, limit) takes a Clock
// through a WithClock option (deadline.On for its budget functions), one
// interface of four methods, the same in every package:
//
//	Now() time.Time
//	AfterFunc(d time.Duration, f func()) interface{ Stop() bool }
//	Go(f func())
//	Wait(ch <-chan struct{})
//
// Now and AfterFunc are the time source. Go and Wait exist because virtual
// time may move on only when every goroutine of the simulation is blocked,
// and a simulator cannot see a goroutine block on a channel: with a Clock
// set, a package starts its goroutines with Go and blocks only in Wait, and
// builds its sleeps, timers and timeouts on AfterFunc. So the simulator's
// [Clock] sees every goroutine start and every block. It runs one goroutine
// (an actor) at a time: an actor gives up its turn only in Wait or
// [Clock.Park], or by returning, and hands it on to the next actor, or to a
// waiting actor whose channel is ready (polled in the order they began to
// wait), or, when none is, moves time to the next timer and runs it. The
// simulator's own waits, and the sleeps and timeouts that the packages
// build with it, do not need the poll: their ends are timers and
// cancellations of contexts the clock made, so they tell the clock, which
// wakes the actor in the same order. The order in which actors
// run is therefore the clock's, not the Go scheduler's, and a run is a
// function of its seed. (The alternative of tracking runnable goroutines
// without Go and Wait would have to guess when a goroutine blocked inside
// a package; a scheduler that guesses is neither exact nor repeatable.)
//
// Deadlines are virtual too: a request's context is cancelled by a timer
// of the Clock, and its Deadline is on the virtual clock, which starts at
// [Epoch] in the year 2200, so that code which wrongly reads the real clock
// sees a deadline far away rather than one long past. The packages compute
// the time left with the Clock's Now when one is set. One difference from
// a real deadline: a context derived with the context package from a
// virtual deadline that passes reports Err() == context.Canceled, with
// context.Cause == context.DeadlineExceeded (the context package gives its
// own Err only to deadlines on its own timers); test with errors.Is on the
// cause, as the packages and [Result]'s classification do.
//
// # When to use it, and what it costs
//
// Use it to choose between configurations before an outage chooses for
// you: how many attempts, a budget or not, where to put retries in a chain
// of services, whether to hedge and at which delay, whether a breaker pays.
// Its answers are those of the model: a server with a queue, independent
// latencies, open-loop callers. A dependency that fails in other ways
// (correlated latencies, a cache that empties, clients that back off on
// their own) needs a model of its own; measure in production what you can.
//
// A run costs a few microseconds of CPU per call and per timer: 100,000
// requests take about a second, the retry storm's 240,000 calls with
// attempt timeouts about three. An actor blocked in a wait the clock is
// told the end of (a dependency's queue, retry's sleeps, [Env.All]: see
// [Clock.Park]) costs nothing while it waits; one blocked in Wait on
// another package's channel (fanout's Hedge, limit's queue) is polled
// each time the clock looks for an actor to run, so that thousands of
// those blocked at once slow a run down. A strategy's objects must use
// the Clock ([Env.Clock]) for everything that waits: an object that sleeps
// on the real clock, or blocks on a channel outside Wait, stalls the run
// (Run reports goroutines left blocked as an error); and for a run to be
// a function of its seed, they must draw their randomness from
// [Env.Rand] (retry.WithRand, limit.WithThrottleRand): a limit.Throttle
// left on math/rand/v2's global source makes a run that does not repeat.
// Run a simulation on its own; its actors take turns and never run in
// parallel.
package sim
