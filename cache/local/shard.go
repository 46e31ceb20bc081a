package local

import (
	"sync"
	"sync/atomic"
)

// shard is one shard of a Cache's index: a hash table under its own lock,
// and the counters of the calls that only take that lock. Shards spread the
// locking of concurrent calls; they play no part in what the cache holds.
//
// A shard is 128 bytes, two cache lines, allocated on its own: Go's
// allocator places objects of its 128-byte size class at multiples of 128
// (an array of shards would not do: arrays above 512 bytes that hold
// pointers start 8 bytes into their slot, after a header). So the first
// line holds exactly what a Get that hits writes (the lock's reader count
// and the hits counter) and what it reads, and no two shards share a line:
// a hit's writes never straddle two lines, nor contend with another
// shard's. When they did (shards in one array, some straddling, which ones
// depending on where the array landed), the parallel hit took twice as long
// in some runs as in others. TestShardLayout checks the layout.
type shard[K comparable, V any] struct {
	mu    sync.RWMutex // 24 bytes
	table table[K, V]  // 32 bytes
	hits  atomic.Int64 // Gets that found a live entry

	misses       atomic.Int64 // Gets that did not
	sets         int64        // under mu: values stored, counted here by Sets that replace one without the policy lock
	replacements int64        // under mu: likewise
	_            [40]byte
}
