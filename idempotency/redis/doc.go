// Package redis is an [idempotency.Store] on Redis, through a go-redis v9
// client, so that the replicas of a service share their idempotency
// records: a key run by one replica is replayed by every other.
//
//	store, err := redis.New(client) // client: a *goredis.Client, ClusterClient, Ring...
//	...
//	g, err := idempotency.New(idempotency.WithStore(store))
//
// Each key is one Redis hash, named by the prefix ([WithPrefix]) and the
// key in braces ("holdfast:idem:{order-42}"), so that the key is its own
// Redis Cluster hash tag: every command and script touches one key, in one
// slot. Each Store call is one Lua script, atomic on the server, and one
// round trip once the script is cached (go-redis sends EVALSHA, and EVAL
// the first time): Acquire reads the record and, when the key is free,
// records the hold in the same script; Renew, Complete and Release act
// only if the hold's token still owns the key (complete-if-still-owner).
// A replay is one round trip; a first run is one to acquire, one to
// complete, plus one renewal per third of the lease that fn runs.
//
// Leases are Redis expiries (PEXPIRE), measured by the server's clock, so
// replicas' clocks do not matter for who holds a key. Fencing tokens are
// the server's time in microseconds (TIME), made greater than the key's
// last token while the key has a record: they grow for a key as long as
// the server's clock does not step back.
//
// The guarantee of [idempotency.Do] holds as far as Redis keeps its
// writes: a Redis that restarts without persistence, or a failover to a
// replica that had not received the last writes, forgets records, and a
// call with a forgotten key runs fn again. Use persistence (AOF) and
// WAIT-free failover with that in mind; fencing still orders the holders.
package redis
