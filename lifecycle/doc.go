// Package lifecycle runs a service's background work with care and stops
// the whole service in one ordered sequence.
//
// Every backend has work beside its requests (flush metrics every second,
// warm a cache, sweep expired rows, consume a queue) and each piece needs
// the same care: a way to cancel it, no overlap when a run is slow, a last
// flush at shutdown, a panic that does not take the process down. And every
// service needs one shutdown: stop accepting work, finish what is in
// flight, close connections, in the right order and within the time the
// platform grants. This package gives the three parts, plus an interface
// for the fourth:
//
//   - [Task] runs a function periodically: every interval, or with
//     [WithJitter] so that replicas do not align; optionally once at start
//     ([WithRunAtStart]); never twice at once, a slow run either delaying
//     the next or skipping the runs it overlapped ([WithOverlap]), counted
//     in [TaskStats]; each run with a ctx that [Task.Shutdown] cancels; a
//     panic recovered and reported to [WithOnError] with its stack while
//     the schedule goes on; and a final run at shutdown, given the
//     shutdown's deadline in its ctx ([WithFinalRun]).
//   - [Supervisor] keeps long-lived functions running: a function that
//     returns an error or panics is restarted after a jittered exponential
//     backoff ([WithBackoff]), reset once it has been healthy for a while
//     ([WithHealthyAfter]); past [WithRestartLimit] failures in a row the
//     supervisor fails ([Supervisor.Done], [Supervisor.Err]).
//     [Supervisor.Shutdown] cancels and joins every goroutine.
//   - [Shutdown] is the ordered shutdown: stages added in order
//     ([Shutdown.Add], with [HTTPServer], [Shutdowner] and [Closer] for the
//     usual things), run on SIGINT or SIGTERM ([Shutdown.Wait]) or on a
//     call ([Shutdown.Run]), each given what is left of one overall
//     deadline ([WithTimeout]) or a share of it ([WithShare]); idempotent;
//     with a [Report] of each stage's duration, error and whether the
//     deadline cut it short. A second signal during the shutdown ends the
//     process at once ([Shutdown.NotifyContext]).
//   - [Lease] is a lock shared by replicas, such as lifecycle/redis's;
//     with [WithLease] a Task runs once per cluster instead of once per
//     replica.
//
// The package imports no other part of holdfast: stages and supervised
// functions are plain func(ctx) error values, so a queue's pool, a cache,
// a breaker's dependencies and a Redis client all fit.
//
// # The order of a shutdown
//
// Stop things in the reverse order of the dependencies between them, which
// is the order in which requests reach them. First the HTTP (or gRPC)
// server: it stops accepting connections and waits for the requests in
// flight, which still need everything below. Then the periodic tasks and
// the supervised consumers, and the worker pools that requests fed (their
// final flushes still need the clients). Then the caches. Then the clients
// of the shared services: Redis, the database. On Kubernetes, the pod is
// removed from the Service's endpoints at the same time as SIGTERM is sent,
// and load balancers take a few seconds to notice: a first stage that
// sleeps for that long, while still serving, avoids refusing requests that
// were already on their way.
//
// # When not to use it
//
// For a goroutine whose life is one request, use golang.org/x/sync's
// errgroup or holdfast's fanout. For work that must run exactly once, at a
// given time, or survive restarts, use a durable queue or a job scheduler
// with a database: a Task lives in one process, a run interrupted by a
// crash is lost, and under a [Lease] a run may repeat when the lease moves
// (the lease gives "at most one at a time", not "exactly once"). Make the
// work idempotent.
//
// # Cost
//
// A Task, a Supervisor and a Shutdown each run every call of user code on a
// goroutine of their own (1.3µs and three allocations, 176 bytes, per run,
// restart or stage, on a shared 2-core machine; see BenchmarkCall) so that
// a panic or a runtime.Goexit in it ends only that call. A Task holds one goroutine and
// one timer while it waits; a supervised function, one goroutine. Nothing
// here is on a request's path.
//
// # Example
//
//	sd, err := lifecycle.NewShutdown(lifecycle.WithTimeout(25 * time.Second))
//	...
//	flush, err := lifecycle.NewTask(time.Second, metrics.Flush,
//		lifecycle.WithJitter(0.1), lifecycle.WithFinalRun())
//	...
//	flush.Start(ctx)
//	sup, err := lifecycle.NewSupervisor()
//	...
//	sup.Go(ctx, "orders consumer", consumer.Run)
//	go srv.Serve(ln)
//
//	sd.Add("http", lifecycle.HTTPServer(srv))
//	sd.Add("consumers", sup.Shutdown)
//	sd.Add("metrics", flush.Shutdown)
//	sd.Add("redis", lifecycle.Closer(rdb))
//	report, err := sd.Wait(ctx) // until SIGINT or SIGTERM, then in order
//	report.Print(os.Stderr)
package lifecycle
