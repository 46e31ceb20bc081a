// Package local is a bounded in-process cache: [Cache] keeps the hottest
// keys of a service in its own memory, where a hit costs tens of
// nanoseconds instead of a network round trip. On the skewed workloads
// typical of services a small cache absorbs most reads: on a Zipf key
// distribution (s = 1.01) over 100,000 keys, holding 1% of them serves about
// 61% of reads and holding 10% about 79%. It is useful on its own, to
// memoise lookups, and as the first tier of the two-tier cache of package
// cache.
//
// It is not a store: it forgets entries to stay within its bound, so it
// suits values that can be recomputed or fetched again; and it is per
// process, so replicas of a service can hold different values for a key
// until their entries expire (keep the TTL short where that matters).
//
//	c, err := local.New[string, User](local.WithMaxEntries(10_000), local.WithTTL(time.Minute))
//	...
//	if u, ok := c.Get(id); ok {
//		return u, nil
//	}
//	u, err := db.User(ctx, id)
//	...
//	_ = c.Set(id, u)
//
// # The bound
//
// Bound a Cache by entry count with [WithMaxEntries] (the default is
// [DefaultMaxEntries]) or by total cost with [WithMaxCost] and a function
// giving each entry's cost, such as its size in bytes. The bound is exact:
// a Set makes room before it returns, so once the Sets have returned the
// cache holds at most N entries (or a total cost of at most N), and [Cache.Len]
// never shows more, even while Sets run; it holds all of N distinct keys
// set into it, and N+k distinct keys leave exactly N. Nothing is buffered:
// there is no slack. Start with a bound that holds the working set of hot
// keys, a few percent of all keys, and check [Cache.Stats]: more room helps
// while the hit ratio still rises with it.
//
// # The policy
//
// A Cache decides what to keep with W-TinyLFU (G. Einziger, R. Friedman and
// B. Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM ToS
// 2017) with the adaptive window of Caffeine and otter (Einziger et al.,
// "Adaptive Software Cache Management", Middleware 2018):
//
//   - Every new entry enters a small window queue, 1% of the bound at
//     first. A Set is therefore always visible to the next Get: the policy
//     never refuses a key at the door, as ristretto's does.
//   - The rest of the bound is the main space: a probation queue for entries
//     admitted from the window, and a protected queue, 80% of the main
//     space, for entries read again since they were admitted.
//   - When the window is full, its oldest entry is a candidate for the main
//     space, and the oldest entry of probation its victim. A frequency sketch
//     (four 4-bit counters per key in a count-min sketch, halved every ten
//     accesses per entry so that it follows what is popular now) estimates
//     how often each was accessed recently, including keys no longer
//     cached; the candidate replaces the victim only if it is more frequent.
//     A declined candidate is evicted, and counted in [Stats].Declined.
//   - A hill climber resizes the window every ten accesses per entry of the
//     bound: it keeps moving the split between window and main space in the
//     direction that raised the hit ratio, and turns back when it fell. A
//     workload of short bursts of re-reference grows the window (which acts
//     as an LRU); a skewed, stable one shrinks it (the sketch then decides).
//
// This resists what defeats LRU and the policies that admit every new key
// into their main queue (S3-FIFO, SIEVE): a scan or a loop longer than the
// cache flushes nothing, since its keys are no more frequent than the
// entries they would replace. On a loop over 1.1 times the cache's size the
// cache keeps a stable part of it and hits about 0.88 of reads, near the
// optimum of 0.91, where LRU hits none; over twice the size, 0.48 (optimum
// 0.50). The benchmarks module measures it beside otter and LRU, with
// Bélády's optimum, on real and synthetic traces (benchmarks/RESULTS.md).
//
// The queues work as CLOCKs, not linked LRUs: a Get that hits only bumps a
// small counter in the entry (no queue change, no buffer), and the policy
// acts on the counts when an entry reaches the end of its queue: another
// round in the window, promotion out of probation, the reads added to the
// sketch. So Gets take no policy lock, and the counter stops being written
// once it reaches 15, so hot entries read by many cores stay shared in
// their caches. Caffeine and otter keep exact LRU order instead, recording
// reads in striped buffers that a maintenance step replays under the policy
// lock; when the buffers are full they drop reads, and until the step runs
// the cache may exceed its bound. On the OLTP trace of the benchmarks, otter
// v2 bounded at 250 entries held about 400 on average (up to 762) and hit
// 0.28 of reads, against 0.24 for this cache holding 250; bounded at 150, so
// that it held about 300, otter hit 0.24. On a loop over 1,100 keys it held
// about 1,080 whatever its bound from 900 to 1,000, and so hit 0.97, above
// the 0.91 that Bélády's optimum gets from 1,000 entries.
//
// Why own the policy rather than wrap otter: the module's rules allow no
// dependency beyond a short list, and the tier of package cache needs what
// otter trades away for its buffers (an exact bound, a Set that is applied
// when it returns, a hit ratio that does not depend on when a maintenance
// goroutine runs, no goroutine of its own) and needs it small enough to
// reason about and test against a model. The policy is about 400 lines; the
// model test replays random operations against a plain reference
// implementation of it and checks that every decision matches.
//
// # Concurrency and cost
//
// Keys are spread over shards of an index by hash, each an open-addressing
// table; the default number of shards follows GOMAXPROCS. Shards only
// spread locking: one policy, under one lock, decides over the whole bound,
// so the hit ratio does not depend on the shard count or on GOMAXPROCS, and
// a key's shard being busier than others costs nothing in what is kept.
//
// A Get takes no lock. It announces itself in one of its shard's reader
// stripes (a cache line picked by the calling goroutine), checks that no
// write holds the shard, reads, and leaves; its hit or miss is counted in
// the same line. A write to a shard takes the shard's mutex, turns new
// readers away (they wait for the mutex instead) and waits for the readers
// inside to leave. So concurrent hits write no shared cache line, and their
// cost does not depend on how the scheduler places the goroutines on cores.
//
// What each call costs: a Get hashes the key once (without allocating,
// strings included), makes three atomic additions on its own stripe, reads
// the clock only if the entry has a time to live, and bumps the entry's
// read count until it saturates; it does not allocate, and takes the
// policy lock only to remove an expired entry it came across. A Set of a key already held, at the same cost, takes only
// its shard's write lock. A Set of a new key takes the policy lock and the
// write lock of its shard and of the shard of each entry it evicts (usually
// one); neither kind allocates once the cache is full (the evicted entry is
// reused). A write lock reads every stripe of its shard, 4 × GOMAXPROCS
// rounded up to a power of two, at most 64. Delete takes the policy lock.
// Under heavy concurrent inserts of new keys the policy lock is what
// serialises them; reads and replacements scale with the shards.
//
// Memory: each entry costs its key and value plus about 85 bytes: the
// entry's own fields (56 bytes: expiry, read count, hash, cost, queue
// links), its slot in its shard's table (16 bytes, with up to a third of the
// slots empty), and 8 bytes of frequency sketch per unit of the bound,
// allocated as the cache fills. Nothing is allocated in proportion to the
// bound up front. Each shard costs 128 bytes and 64 per reader stripe, and
// by default there are 4 × GOMAXPROCS of each (at most 64): 5 KiB in all at
// GOMAXPROCS 2, 260 KiB from GOMAXPROCS 16 up.
//
// # Expiry
//
// Entries can have a time to live: a default one ([WithTTL]) or their own
// ([Cache.SetWithTTL]), optionally shortened by a random fraction
// ([WithTTLJitter]) so that entries written together do not expire
// together. An expired entry is never returned. There are no timers and no
// background goroutine: an expired entry is removed when a call comes across
// it, when the policy reaches it, or by a sweep that checks a couple of
// entries on every Set of a new key, so an idle cache keeps expired entries
// in memory until it is used again. Entries without a time to live cost no
// clock read.
package local
