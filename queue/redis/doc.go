// Package redis is a durable work queue on Redis Streams: jobs survive the
// death of the process that enqueued them and of the one running them, and
// any number of replicas share the work. It is [github.com/holdfast-go/holdfast/queue.Pool]'s handler shape,
// func(context.Context, T) error, on github.com/redis/go-redis/v9 (a single
// node, a Sentinel failover client, a Cluster or a Ring).
//
// A [Producer] enqueues jobs; a [Consumer] runs a handler on them from a
// pool of workers, as one member of a Redis consumer group. Moving from
// in-process to durable work is a change of constructor:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
//	mails, err := qredis.NewProducer[Mail](ctx, rdb, "mails")
//	...
//	id, err := mails.Enqueue(ctx, Mail{To: "ada@example.com"})
//	...
//	// In every replica:
//	c, err := qredis.NewConsumer(ctx, rdb, "mails", "senders", send, qredis.WithWorkers(20))
//	...
//	// On SIGTERM:
//	err = c.Shutdown(shutdownCtx)
//
// # When to use it, and when not
//
// Use it when work must outlive the process that accepted it, be shared
// among replicas, or wait (a delay, a retry minutes later): sending mail,
// calling a slow partner, rendering, anything a request hands off and
// answers 202 for. Keep queue.Pool for work that can be redone or that
// another system remembers: it costs no round trip, and nothing leaves
// the process. Every job here costs Redis round trips (about one per job
// enqueued alone, a fraction of one when pipelined, and a share of a
// batched read and acknowledgement) and memory in Redis until it is
// trimmed. For months of history, replay, or partitions bigger than one
// Redis, use Kafka; for jobs that must commit with your data, a table in
// your own database (river, or SELECT ... FOR UPDATE SKIP LOCKED).
//
// # Delivery: at least once
//
// A job is acknowledged (XACK) only after its handler returns nil. If the
// handler fails, panics, or its consumer dies, the job runs again, so a
// handler can run more than once for one job: when its process is killed
// after the effect but before the acknowledgement, when its lease is lost
// (below), or when an acknowledgement is lost with Redis. Make handlers
// idempotent. For exactly-once effects, use an idempotency key per entry:
// the job ID, which stays the same across every retry and redelivery (see
// package idempotency, or a unique constraint on the ID in the table the
// handler writes).
//
// # What happens to a job
//
// Enqueue adds a stream entry (XADD, in a Lua script that checks the
// bound and the unique key) and returns the job ID, the job's identity for
// its whole life. A stream entry ID cannot be the identity: a retried job
// is added again, as a new entry. A delayed job ([WithDelay], [WithRunAt])
// waits in a sorted set until a consumer's Lua step moves it to the stream
// on Redis's clock: never early, late by at most [WithBlock] when the
// stream is idle. [WithUniqueKey] makes Enqueue a no-op, returning the
// pending job's ID, while a job with that key is pending.
//
// A Consumer reads batches with XREADGROUP (COUNT [WithBatchSize], BLOCK
// [WithBlock]) into at most workers + batch size entries held at once,
// runs the handler on [WithWorkers] goroutines, and acknowledges in
// batches. A failed job is acknowledged and re-added through the delay set
// after a jittered exponential backoff ([WithRetryBackoff]: a dependency
// that is down is not hammered), until it has been delivered
// [WithMaxDeliveries] times; then it moves to the dead-letter stream with
// its payload, last error (for a panic, with the stack) and delivery
// count. [Producer.DeadLetters], [Producer.Requeue] and
// [Producer.DeleteDead] manage them.
//
// # Crashes and leases
//
// Each entry a consumer holds is leased for [WithVisibilityTimeout]. A
// heartbeat renews the leases every third of the timeout, in a Lua script
// that renews only entries this consumer still owns: a plain XCLAIM would
// take back an entry that another consumer had already reclaimed, and
// both would run it. When a lease cannot be renewed (another consumer has
// the entry, or Redis has been out of reach for a whole timeout), the
// handler's ctx is cancelled with cause [ErrLeaseLost]. Consumers reclaim
// entries idle for longer than the timeout (XAUTOCLAIM): those of a
// consumer that crashed, hung, or was partitioned. A job that keeps
// killing its consumer is dead-lettered once its deliveries reach the
// maximum. Consumer names are unique per Consumer; a consumer is removed
// from the group (XGROUP DELCONSUMER) only when it holds no pending entry,
// since deleting one puts its pending entries out of reach.
//
// # Sizing the visibility timeout
//
// The timeout is how long a crashed consumer's jobs wait before another
// consumer takes them, and how long a consumer may go without reaching
// Redis before its handlers are cancelled. It does not bound how long a
// handler may run: the heartbeat keeps a long handler's lease. Make it
// several times the longest pause a healthy consumer can have (a GC pause,
// a slow Redis round trip, a CPU-starved container): 30s, the default,
// suits most services; shorter reclaims sooner, at the price of more
// renewals and of leases lost to a passing stall.
//
// # Bounded, never dropping a pending job
//
// Redis 7's XTRIM MAXLEN and MINID delete entries whether or not they have
// been acknowledged. The queue trims only below the oldest entry that some
// consumer group still needs (its oldest pending entry, or the first one
// it has not read), when Enqueue finds the bound ([WithMaxLen]) reached
// and at every consumer's maintenance pass. When the bound is reached with
// every entry still needed, Enqueue returns [ErrFull], or waits with
// [WithWaitWhenFull]. Delayed and retried jobs count towards the bound;
// a retry or a due delayed job is never refused for it.
//
// # Redis durability and failover
//
// A job is as durable as Redis makes the write of Enqueue. With the
// append-only file and appendfsync always, a job Enqueue returned nil for
// survives a crash of Redis itself; with appendfsync everysec (the usual
// setting) the last second of writes can be lost. Replication is
// asynchronous: when a primary fails over, writes that had not reached the
// new primary are lost (jobs enqueued, acknowledgements, retries), so
// recent jobs can vanish and recently handled ones run again. A WAIT 1
// after Enqueue (on the same client) narrows the first window to writes
// not yet on any replica. An evicting Redis loses jobs silently: a
// Producer or Consumer refuses one whose maxmemory-policy is not
// noeviction ([ErrEvicting]; [WithEvictionWarning] makes it a warning).
//
// # Cluster
//
// Every key of a queue carries the stream name as a hash tag
// (holdfast:queue:{name}, with :delay, :jobs, :uniq and :dead), so that
// they live in one slot and the Lua scripts are atomic on a Cluster. One
// queue is one slot: for more throughput than a node gives, use several
// queues.
//
// # How it differs from queue.Pool
//
// The handler is the same, but: Enqueue returns a job ID (a job outlives
// the call and the process, so it needs a name to look it up, dedupe or
// dead-letter it by); Shutdown hands no items back (what is not
// acknowledged stays in Redis for another consumer, which is the point);
// failures are retried by the queue rather than reported to a hook (the
// [WithOnError] hook observes them); and delivery is at least once, where
// a Pool runs an accepted item once.
//
// # Multiple groups
//
// Several consumer groups may read one stream; each runs every job
// (fan-out). A retry is re-added for the group whose delivery failed
// only: other groups acknowledge it without running it. Trimming keeps
// what any group still needs. A unique key is released when the first
// group finishes the job.
//
// # Cost
//
// On loopback Redis (2 cores, shared with other work), a Consumer handled
// about 28,000 trivial jobs a second with 1 worker and 35,000 with 8 (median
// of 5 runs), 0.6 and 0.7 times raw go-redis XREADGROUP/XACK loops doing
// the same work with the same batch size (BenchmarkEndToEnd), and 8 to 12
// times hibiken/asynq end to end with the same worker count
// (benchmarks/durablequeue). Enqueue is one Lua script call, about 1.4
// times a bare XADD; EnqueueBatch adds up to 512 jobs in one call, as fast
// per job as pipelined XADDs. The consumer makes about 8 allocations per
// job more than the raw loop (a context, a lease, the decoded value).
package redis
