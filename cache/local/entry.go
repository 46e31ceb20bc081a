package local

import "sync/atomic"

// maxHits caps an entry's count of reads between two visits of the policy,
// which is also the largest count the frequency sketch keeps.
const maxHits = 15

// entry is an entry of a Cache. key and value are written under the
// shard's write lock and read by readers inside the shard (see [shard]);
// expires and hits are atomic, as both the policy and readers use them;
// cost is written under both the policy lock and the shard's mutex, as a
// replacing Set reads it under the shard's lock alone; the other fields
// belong to the policy and are used only under the Cache's policy lock.
type entry[K comparable, V any] struct {
	key     K
	value   V
	expires atomic.Int64 // nanoseconds since the Cache's epoch; 0 means never
	hits    atomic.Int32 // reads since the policy last looked, up to maxHits
	hash    uint64
	cost    int64
	where   where
	prev    *entry[K, V] // towards the queue's tail (older)
	next    *entry[K, V] // towards the queue's head (newer)
}

// touch records a read of e. Once the count is at its cap a read writes
// nothing, so hot entries read by many goroutines stay shared in their
// caches; a lost increment between two racing readers only undercounts.
func (e *entry[K, V]) touch() {
	if h := e.hits.Load(); h < maxHits {
		e.hits.Store(h + 1)
	}
}

// expired reports whether e has expired at now.
func (e *entry[K, V]) expired(now int64) bool {
	x := e.expires.Load()
	return x != 0 && now >= x
}

// where says which of the policy's queues holds an entry.
type where uint8

const (
	inWindow where = iota
	inProbation
	inProtected
)

// removed records an entry removed from a Cache, for the eviction hook.
type removed[K comparable, V any] struct {
	key    K
	value  V
	reason Reason
}
