// Package cache is a two-tier cache for backend services: a small,
// bounded in-process tier for hot keys (a [local.Cache], from package
// cache/local) in front of a shared tier such as Redis.
//
// # The two-tier cache
//
// [Cache] puts a [local.Cache] in front of a [Store] that every replica of a
// service shares: Redis through the cache/redis package, or a [MemoryStore]
// (the default) in tests and single-process programs. A read tries the
// local tier, then the Store, then, in [Cache.GetOrLoad], the loader: the
// database or upstream API that the cache protects. The hottest keys cost
// no network at all, the rest one Store round trip, and the source is
// called once per key per remote ttl: concurrent misses for a key in one
// process share one Store read and one load (one flight per key, as with
// golang.org/x/sync/singleflight), so a thousand requests arriving
// together for a cold key make one query.
//
//	users, err := cache.New[User](cache.WithStore(store), cache.WithNegativeTTL(5*time.Second))
//	...
//	u, err := users.GetOrLoad(ctx, "user:42", func(ctx context.Context) (User, error) {
//		return db.User(ctx, 42) // an error matching cache.ErrNotFound is remembered
//	})
//
// Use it for data read far more often than written, looked up by key, that
// may be served a little stale. Do not use it where a replica must read its
// own or others' writes at once, nor for counters or locks: use Redis
// directly for those.
//
// What it costs: a local hit is a [local.Cache.Get] plus a clock read, with
// no allocation; a Store hit is one round trip plus decoding (the [Codec],
// JSON by default); a miss is a Store read (which leaves a lease), the
// load and a conditional Store write (Lua scripts on Redis);
// [Cache.Set] and [Cache.Delete] are a Store write and a PUBLISH.
//
// # Sizing the two tiers
//
// Size the local tier ([WithLocalEntries], or [WithLocalCost] for bytes)
// to hold the hot keys. The bound is exact, and the tier's eviction policy
// (W-TinyLFU, described in package cache/local) keeps the keys read most
// often, resisting scans and loops. On a Zipf workload (s = 1.01) over
// 10,000 keys, a local tier of 1% of them answered about half of the reads
// and one of 10% three quarters (see BenchmarkCacheZipf). Its entries expire by the
// Cache's own clock: an expired entry stays until it is replaced or
// evicted, so the bound, not the ttl, is what limits its memory. The
// remote ttl ([WithRemoteTTL]) sets how often the source is asked for a
// key; the local ttl ([WithLocalTTL], at most the remote one) bounds how
// stale a replica can be if an invalidation is lost, so keep it short.
// [WithJitter] spreads expiries; [WithStaleGrace] serves a value a while
// past its ttl and refreshes it in the background; [WithEarlyRefresh]
// refreshes a busy value before it goes stale; [WithNegativeTTL] remembers
// that the source lacks a key.
//
// # What is guaranteed, and what is not
//
// Coherence between replicas is eventual. [Cache.Set] and [Cache.Delete]
// write the Store, then publish the keys on the invalidation channel
// ([WithInvalidation]); every other Cache on the channel drops them from
// its local tier when the message arrives, within the pub/sub latency
// (well under a millisecond on a LAN). Until then it may serve the old
// value. Pub/sub delivers at most once: a Cache that is disconnected from
// Redis misses messages, so when its subscription is re-established (go-redis
// re-subscribes by itself; so does the Cache after a failed subscription)
// it drops its whole local tier. A message can still be lost unseen (go-redis
// drops one it could not deliver for a minute), so the local ttl is the
// backstop: no replica serves a value longer than the local ttl, plus the
// grace period with [WithStaleGrace], after it read it from the Store.
//
// A load never writes back a value older than a write. Write to the
// source first, then call [Cache.Set] or [Cache.Delete]: once that call
// has returned, a load that read the source before it (a loader that
// started before the write) leaves its value in neither tier, in any
// process, and [Cache.GetOrLoad] gives it only to the callers that were
// waiting for it. This closes the classic cache-aside race, in which a
// slow load puts the old value back after a Delete for the whole remote
// ttl. It works so: before it calls the loader, a load reads the key and,
// if it is missing, leaves a lease (a random token) in its place, in one
// atomic step ([Store].GetOrAdd); its write-back replaces what it read
// only if the Store still holds it ([Store].CompareAndSet, a Lua script on
// Redis). A Set or Delete that reached the Store in between changed the
// key, so the write-back does nothing, and the load does not keep the
// value in its local tier either. Within one process the local tier is
// also guarded by an invalidation counter per key, so the guarantee holds
// there even when a write-back's outcome is unknown (it timed out). Across
// processes it rests on the Store: it holds as long as Redis does not lose
// an acknowledged write (a failover to a replica that had not received it
// can), and the other processes' local tiers follow the write through the
// invalidation message, as above.
//
// Not guaranteed: linearizability; reading one's writes on another
// replica; an order between concurrent writers of a key (the last write to
// the Store wins, and each local tier keeps what it last wrote or read
// until told otherwise; a Set during which the key was invalidated, by a
// write here or another Cache's message, keeps no local copy, since that
// other write may have reached the Store after it). A load publishes nothing: it fills a key that was
// missing or stale everywhere. A write-back whose outcome is unknown (it
// timed out) is kept in the loading process's local tier unless that
// process saw a write to the key meanwhile; a write from another process
// drops it there when its invalidation message arrives. Across N replicas,
// a key that all of them miss at once can be loaded up to N times: a
// flight is per process.
//
// When the Store is slow or down, every call to it is bounded by
// [WithRemoteTimeout] (or the caller's deadline, if it comes first; calls
// from callers without a deadline that start close together share one
// deadline, so each gets between 15/16 of the timeout and all of it); a
// failure is counted ([Stats].RemoteErrors),
// reported ([WithOnRemoteError]) and answered as a miss, so [Cache.Get] and
// [Cache.GetOrLoad] keep answering from the local tier and the loader
// within the caller's deadline, and a call whose loader succeeded never
// returns a Store error. Set and Delete do return it, leaving no local
// copy behind. A value in the Store that cannot be decoded is a miss too,
// counted and reported, never a panic.
//
// A miss whose Store read failed loads the value and keeps it in the local
// tier only: it does not try the write-back, so in an outage a miss costs
// at most one remote timeout, not two. To stop paying even that one on
// every miss, put a circuit breaker in front of the Store with
// [WithRemoteGuard]; once it opens, a miss goes straight to the loader:
//
//	b, err := breaker.New(breaker.WithConsecutiveFailures(5), breaker.WithOpenDuration(5*time.Second))
//	...
//	users, err := cache.New[User](cache.WithStore(store), cache.WithRemoteGuard(b.Do))
//
// Measured against a stopped redis-server with a 100ms remote timeout, 200
// misses in a row: without a guard each waited about 100ms (go-redis's
// default retries; with MaxRetries: -1 most fail fast once the dialer
// knows the server is gone); with that breaker only the first five waited,
// and the others took about 10µs each.
//
// # Observing
//
// [Cache.Stats] counts hits per tier, misses, stale serves, loads and
// failed loads, Store errors and invalidations, and costs nothing per
// call. An [Observer] ([WithObserver]) sees each load with its context and
// the time the loader took, for a latency histogram or a span per load
// (the otel module's holdfastotel.CacheObserver); unset it costs a load
// one nil check and a hit nothing.
package cache
