// Package redis is a [lifecycle.Lease] on Redis, through a go-redis v9
// client: a lock with an expiry that one replica at a time holds, so that
// a periodic job runs once per cluster rather than once per replica.
//
//	lease, err := lifecycleredis.New(rdb, "sweep-expired", lifecycleredis.WithTTL(15*time.Second))
//	...
//	sweep, err := lifecycle.NewTask(time.Minute, sweepExpired, lifecycle.WithLease(lease))
//
// Each replica builds its own [Lease] with the same name. The one that
// takes it runs the task's schedule while it holds it, renewing it every
// third of the TTL; the others try at each of their ticks. A holder that
// stops (crashes, pauses, loses its network) without giving the lease up
// keeps the others out until its TTL has passed.
//
// # How it works
//
// Taking the lease is SET key token NX PX ttl with a random token, in a Lua
// script that also hands out a fencing token; renewing it and giving it up
// are Lua scripts that act only if the key still holds the holder's token,
// so a holder never extends or deletes a lease that has passed to another.
// The lease key and the fence counter share a hash tag (the lease's name),
// so they are in one slot of a Redis Cluster and the scripts can touch
// both.
//
// The holder counts on the lease for 9/10 of the TTL after the last renewal
// it sent: if it cannot renew by then (Redis unreachable), or a renewal
// finds its token gone, fn's ctx is cancelled with [lifecycle.ErrLeaseLost],
// before the lease can expire on Redis and pass to another replica.
//
// # Fencing tokens
//
// A lease alone does not guarantee one holder at a time. A holder can be
// paused (a long GC, a VM migration, a laptop lid) for longer than the TTL,
// wake up, and write before it notices that its lease is gone; clocks can
// drift. The fix is Martin Kleppmann's fencing token: each holding gets a
// number larger than every one before it ([Fence] gives it to fn); pass it
// with every write, and have the resource refuse a write whose token is
// lower than the highest it has seen (a conditional UPDATE ... WHERE fence
// <= $1, a compare-and-set). The lease then limits how often two holders
// overlap; the token makes the overlap harmless.
//
// # When Redis restarts
//
// With persistence off (or a failover to a replica that missed the last
// writes), a restart loses both the lease and the fence counter. The holder
// notices at its next renewal, which finds its token gone, and its fn's
// ctx is cancelled; meanwhile another replica may take the lease at once,
// so for up to one renewal interval two holders may run. The fence handed
// out after the restart is still larger than every one before it: a new
// fence is the largest of the counter plus one, the Redis server's clock in
// microseconds (TIME), and one more than the highest fence the Lease
// object itself has seen. The counter cannot run ahead of the clock (that
// would take more than a million acquisitions a second), so a counter
// lost in a restart starts again above every fence issued before, provided
// that the server's clock did not step back across the restart by more
// than the restart took. Holders that check fences at the resource stay
// safe across a restart; holders that do not are exposed for that renewal
// interval. With AOF persistence (appendfsync always) a restart keeps both
// keys and nothing changes.
//
// A renewal also checks that the fence counter still stands at the
// holder's fence, so a holder whose counter was replaced (a restored
// snapshot, an eviction under an allkeys policy) gives the lease up instead
// of running beside a holder with a higher fence. Keep the lease's keys out
// of reach of eviction: use noeviction or a volatile-* policy (the counter
// has no TTL).
//
// # Cost
//
// Taking and giving up the lease are one round trip each; holding it costs
// one round trip per renewal interval and one goroutine and timer. The
// client must be built with ContextTimeoutEnabled: true so that renewals
// honour their deadlines; [New] checks it.
package redis
