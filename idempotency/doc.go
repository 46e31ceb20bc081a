// Package idempotency runs an operation once per key, across retries,
// redeliveries and replicas, and replays its recorded result to every
// repeat: the idempotency keys that payment APIs (Stripe), the IETF draft
// "The Idempotency-Key HTTP Header Field" and AWS Lambda Powertools'
// idempotency utility describe, as a [Group] and a generic call, [Do], and
// as HTTP middleware, [Middleware].
//
//	g, err := idempotency.New(idempotency.WithStore(store)) // once
//	...
//	receipt, replayed, err := idempotency.Do(ctx, g, req.PaymentID, fingerprint,
//		func(ctx context.Context) (Receipt, error) {
//			return charge(ctx, req) // runs once per PaymentID
//		})
//
// # How it works
//
// The first call with a key acquires it in the [Store]: the Store records
// a hold with the request's fingerprint, a lease (expiry) and a fencing
// token. The call runs fn, renewing the lease every third of it, and then
// records fn's result, which replaces the hold and is kept for the ttl.
// A later call with the key finds the record and returns the result,
// decoded afresh (replayed true), without running fn. A call that finds
// the key held waits for the result or gets [ErrInProgress]
// ([WithInProgress]); a call whose fingerprint differs from the record's
// gets [ErrKeyReused], whether the record is complete or in progress, so a
// reused key never returns the result of another payload. When fn fails,
// the key is released and the next call runs fn again, unless the error is
// marked final ([Final]), which is recorded and replayed like a result. A
// panic in fn releases the key too. A holder that dies leaves its hold
// behind only until the lease runs out; the next call then takes the key
// over, with a greater token.
//
// # What is guaranteed
//
// With a Store that keeps its contract (atomic calls; the MemoryStore and
// the idempotency/redis Store do):
//
//   - Holds never overlap in the Store: no call acquires a key while
//     another holder's lease on it is live, and a holder whose lease has
//     run out can no longer renew, complete or release the key.
//   - Once fn's result for a key is recorded, fn does not run again for
//     that key while the record lives (the ttl, [WithTTL]), unless the
//     Store loses the record: a MemoryStore evicts completed records when
//     full, and a Redis without persistence forgets them on restart.
//   - fn runs again for a key only after an earlier run ended without a
//     record: it returned a non-final error or panicked (the key is
//     released), or its holder lost the lease before recording (it died,
//     was cut off from the Store, or could not renew).
//
// So fn runs at most once per lease, and once in all if nothing fails.
// Its effects happen exactly once only if they are tied to the key or
// fenced: written in the same transaction as a unique row for the key,
// say, or guarded by the fencing token ([Token]), which fn passes to the
// systems it writes so that they refuse a write older than one they have
// seen. Otherwise a holder that lost its lease (its ctx is then cancelled
// with cause [ErrLeaseLost]) may still be finishing its effects when the
// next holder starts: at most once per lease is all that holds. Nothing
// here makes fn's effects atomic: a fn that fails halfway and is run
// again must cope with its own half-done work.
//
// # When to use it
//
// Use it where a write can arrive more than once: HTTP endpoints that
// clients retry (POST, PATCH), queue consumers that see redeliveries,
// webhooks, retries and hedges of non-idempotent calls. Give each logical
// operation its own key, chosen by the client (an Idempotency-Key header)
// or derived from the data (a payment ID, a message ID), and a fingerprint
// of its payload. Share one Group on the idempotency/redis Store between
// replicas; the default [MemoryStore] dedupes within one process only.
//
// Do not use it for reads, or for operations idempotent by nature (PUT of
// a whole resource, DELETE, setting a value): they can simply be repeated.
// Where the write goes to one database, a unique constraint on the key in
// that database's own transaction is simpler and exactly once by itself;
// this package is for operations whose effects span systems.
//
// # What it costs
//
// A replay from a MemoryStore is a map lookup under a mutex and one
// monotonic clock read, without allocating for a [RawCodec] string result;
// on a virtual machine the clock read is most of it (compare BenchmarkClock
// with BenchmarkReplay); other results cost their decoding. A first run adds a
// lease goroutine, its timers, contexts and the encoding: 22 allocations. On
// Redis, a replay is one round trip, a first run two (acquire and
// complete) plus one renewal per third of the lease that fn runs. The
// middleware adds reading and hashing the request body, and copying the
// response (up to its bound) into the record.
//
// [Group.Stats] counts executions, replays, conflicts, calls rejected or
// waiting while their key was in progress, Store errors and fail-open
// runs, for the Group and the middleware on it: one atomic add per call,
// no lock, no allocation (the otel module's ObserveIdempotency exports
// them).
package idempotency
