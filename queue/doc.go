// Package queue provides bounded queues and worker pools with backpressure,
// a join, and a graceful shutdown that loses nothing.
//
// # The pattern
//
// Producers and consumers are joined by a bounded buffer. When consumers
// fall behind, the buffer fills and producers slow down (backpressure)
// instead of memory growing without bound; on shutdown the service stops
// accepting work, finishes what it accepted, and hands back whatever it
// could not finish, so that nothing accepted is silently lost.
//
//   - [Queue] is the buffer alone: a bounded FIFO whose [Queue.Put] blocks
//     while it is full and [Queue.Get] while it is empty, both cancellable,
//     with [Queue.Close] to stop producers and let consumers drain. Use it
//     to connect goroutines that you own.
//   - [Pool] is a queue with a fixed set of workers calling a handler. It
//     adds an overflow policy, a rate limit, per-item timeouts, a
//     dead-letter hook, panic recovery, [Pool.Wait] (a join, like asyncio's
//     Queue.join) and [Pool.Shutdown], and accounts for every item: each
//     item it accepts is handled, failed (reported to [WithOnError]),
//     dropped (reported to [WithOnDrop]) or returned by Shutdown, exactly
//     once.
//
// # Backpressure and the overflow policies
//
// A full queue means the consumers cannot keep up. [WithOverflow] says what
// [Pool.Submit] does then:
//
//   - [Block] (the default) makes the submitter wait: the backlog pushes
//     back on whoever produces the work, up to the ctx of the call. Use it
//     when the producer can slow down: a reader of a file or a stream, a
//     batch job, a consumer of a broker that will redeliver.
//   - [Reject] returns [ErrFull] at once: load shedding. Use it at the edge
//     of a service where waiting would only make clients time out: answer
//     429 or 503 and let them retry elsewhere or later.
//   - [DropOldest] discards the item that has waited longest to admit the
//     new one, and reports it to [WithOnDrop]: for work where only the
//     latest matters (metrics, presence, cache refreshes, state updates).
//
// # Choosing workers and capacity
//
// Workers bound concurrency. For CPU-bound handlers, GOMAXPROCS workers
// (the default) is right. For handlers that wait on I/O, Little's law
// gives the number: workers = throughput × latency, so handling 500 items
// a second that each take 40ms needs 20 workers. Keep it under what the
// downstream can take (its connection pool, its rate limit; see
// [WithRateLimit]).
//
// Capacity is how much of a burst to absorb, and every queued item is
// latency: an item queued behind N others waits about N / throughput. A
// queue of 1000 at 500 items a second adds up to 2s. Size it from the
// latency you can afford, not from the memory you have; a large queue only
// hides overload until it is full, and everything in it is lost if the
// process dies. When in doubt, keep it small and reject early.
//
// # Shutdown
//
// [NewPool] starts the workers and [Pool.Shutdown] stops them: a Pool must
// be shut down. Call Shutdown on SIGTERM with a deadline shorter than the
// time the platform grants (Kubernetes waits 30s by default before
// SIGKILL). Shutdown stops accepting, lets the workers finish the queue,
// and if the deadline comes first cancels the handlers' context and
// returns the items that were not handled, so that the caller can persist
// them, put them back on a broker, or at least log them.
//
// # Not durable
//
// Both types live in memory: a crash, an OOM kill or a SIGKILL loses
// what is queued and in flight. An in-process queue is for work that can
// be redone or that another system already remembers (a message not yet
// acknowledged to its broker, a request the client will retry). Work that
// must survive the process, be shared among replicas, or be retried hours
// later needs a durable queue: a database table read with SELECT ... FOR
// UPDATE SKIP LOCKED, Redis Streams, NATS JetStream, RabbitMQ, Kafka or a
// cloud queue such as SQS; holdfast's is package queue/redis, on Redis
// Streams, with the same handler shape. A Pool then makes a good consumer
// of it: acknowledge a message when its handler returns. Such queues
// deliver at least once; for exactly-once effects use an idempotency key
// per entry (see package idempotency).
//
// # Cost
//
// A Queue is a buffered channel with a read-locked count of the puts in
// progress (so that Close never races with a send) and a close signal
// that blocked puts select on. It allocates nothing per item. Between
// contending producers and consumers that do nothing else, it moves items
// at 0.66 to 0.76 times the rate of a bare channel (BenchmarkQueueVsChan,
// capacities 16 to 1024, on 2 cores, with a ctx that cannot be cancelled;
// with a cancellable ctx every blocking wait is a select, and it is slower
// still); once consumers do any work per item the gap narrows. Use a bare
// channel where you need neither cancellation nor a safe Close.
//
// A Queue allocates its buffer when it is made, capacity times the size of
// T, and a Pool starts its workers when it is made; so capacities and
// worker counts have maxima ([MaxCapacity], [MaxBufferBytes],
// [MaxWorkers]) above which [New] and [NewPool] return an error, rather
// than let a bound read from configuration exhaust memory.
//
// A Pool adds a few atomic operations per item, on cache lines that the
// workers do not share, and allocates nothing per item unless
// [WithItemTimeout] is set (a timer and a context per item) or the rate
// limiter has to wait. Each queued item carries the time it was
// submitted (8 bytes, after the item's size is rounded up to a multiple
// of 8) for an [Observer]; without one the time is not read.
// With a handler that does nothing it costs 1.3 to 1.9
// times a channel feeding goroutines, some 13 to 35ns more per item; with
// a handler that waits on I/O the difference disappears. The benchmarks
// are in bench_test.go.
//
// # Example
//
//	pool, err := queue.NewPool(send,
//		queue.WithWorkers(20),
//		queue.WithCapacity(100),
//		queue.WithOnError(func(m Mail, err error) { deadLetters.Save(m, err) }),
//	)
//	if err != nil {
//		return err
//	}
//	// In the request handlers:
//	if err := pool.Submit(ctx, mail); err != nil {
//		return err // ErrClosed when shutting down, or ctx.Err()
//	}
//	// On SIGTERM:
//	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
//	defer cancel()
//	left, err := pool.Shutdown(ctx)
//	deadLetters.SaveAll(left)
package queue
