// Package cache is a two-tier cache for backend services: a small,
// bounded in-process tier for hot keys ([Local]) in front of a shared tier
// such as Redis.
//
// # The local tier
//
// A [Local] keeps the hottest keys of a service in its own memory, where a
// hit costs tens of nanoseconds instead of a network round trip to the shared
// tier. On the skewed workloads typical of services, a small local tier
// absorbs most reads: on a Zipf-distributed key set (s = 1.01), holding 1% of
// the keys serves about 60% of reads and holding 10% about 80%. It is useful
// on its own, to memoise lookups, and as the first tier of the two-tier cache.
//
// It is not a store: it forgets entries to stay within its bound, so it suits
// values that can be recomputed or fetched again, and it is per process, so
// replicas of a service can hold different values for a key until their
// entries expire (keep its TTL short where that matters).
//
// # Sizing
//
// Bound a Local by entry count with [WithMaxEntries] (the default is
// [DefaultLocalMaxEntries]) or by total cost with [WithMaxCost] and a
// [WithWeigher] function giving each entry's cost, such as its size in bytes.
// Start with a bound that holds the working set of hot keys, a few percent of
// all keys, and check [Local.Stats]: more room helps while the hit ratio
// still rises with it. Each entry costs about 100 bytes of overhead plus its
// key and value, and the eviction policy remembers the hashes of about as
// many recently evicted keys as the cache holds, 16 bytes each and a map
// entry.
//
// The keys are spread over shards by hash, each with its own lock and its own
// share of the bound. The default number of shards grows with GOMAXPROCS but
// leaves each shard at least 128 entries, since a policy deciding over few
// entries decides worse. The entry-count bound is exact: each shard holds at
// most its share, and [Local.Len] never exceeds the bound. With a weigher the
// shares are soft, so that entries costing more than a share can be held: a
// shard may hold more than its share while the whole cache is within the
// bound, and a Set that finds the cache full evicts from its own shard if it
// holds more than its share and otherwise from shards that do. The total cost
// can thus exceed the bound only while Sets are running, by at most the cost
// of the entries they are storing.
//
// # Eviction
//
// Local evicts with S3-FIFO, from J. Yang, Y. Zhang, Z. Qiu, Y. Yue and
// R. Vinayak, "FIFO queues are all you need for cache eviction", SOSP 2023.
// New entries enter a small FIFO queue holding a tenth of the bound. At the
// queue's tail, an entry read since it arrived moves on to the main queue;
// one that was not is evicted, and its key's hash is remembered in a ghost
// queue, so that if it comes back soon it goes straight to the main queue.
// The main queue evicts from its tail too, but gives every entry read since
// it last passed there another round (up to three). The small queue filters
// out the many keys that are read once and never again, which plain LRU lets
// push hot keys out; on the benchmarks of this package S3-FIFO's hit ratio
// beats LRU's by several points.
//
// S3-FIFO was chosen over SIEVE (Zhang et al., NSDI 2024) for that filter:
// SIEVE admits every new key into its single queue. Both need no queue change
// on a hit, only a small counter bumped atomically, so a Get shares its
// shard's lock with other Gets and never allocates.
//
// # Expiry
//
// Entries can have a time to live: a default one ([WithTTL]) or their own
// ([Local.SetWithTTL]), optionally shortened by a random fraction
// ([WithTTLJitter]) so that entries written together do not expire together.
// An expired entry is never returned. There are no timers and no background
// goroutine: an expired entry is removed when a call comes across it, when
// the eviction policy reaches it, or by a sweep that checks a couple of
// entries on every Set, so an idle cache keeps expired entries in memory
// until it is used again. Entries without a time to live cost no clock read.
//
// # The two-tier cache
package cache
