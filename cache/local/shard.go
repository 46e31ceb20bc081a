package local

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// shard is one shard of a Cache's index: a hash table, the lock of the
// writes that change it, and the stripes in which its readers announce
// themselves. Shards spread the locking of concurrent calls; they play no
// part in what the cache holds.
//
// Readers take no lock. A Get increments the count of its stripe (one
// cache line, picked by the goroutine, see [shard.stripe]), checks that no
// write holds the shard, reads, and decrements the count; its hit or miss
// is counted in the same line. A write takes mu, sets writing, which turns
// new readers away to mu, and waits until every stripe's count has been
// seen at zero (see [shard.lock]); code that only reads the table may hold
// mu alone, which keeps writes out.
//
// So a Get that hits writes nothing that another core is using (its entry's
// read count aside, which stops being written once it saturates): each
// goroutine writes its own stripe. This is what makes a parallel hit
// steady. With a read-write lock and a hit counter per shard, as before,
// every hit wrote its shard's lock and counter, which every core hitting
// that shard also wrote: the line moved between cores on every hit, at a
// cost that depended on where the scheduler placed the goroutines (two
// hardware threads of one core share a line cheaply, two cores do not).
//
// The first 64 bytes hold what a reader reads and a write writes; the mutex
// and the writers' counters follow. A shard is 128 bytes, allocated on its
// own: Go's allocator places objects of that size class at multiples of
// 128, so no shard shares a line with another (TestShardLayout checks it).
type shard[K comparable, V any] struct {
	writing atomic.Int32 // a write holds the shard
	_       int32
	stripes []stripe    // a power-of-two count
	table   table[K, V] // 32 bytes

	mu           sync.Mutex // held by writers, and by readers turned away
	sets         int64      // values stored, counted under mu
	replacements int64      // values replaced, counted under mu
	_            [40]byte
}

// stripe is one cache line of a shard's reader counts. An array of
// stripes, holding no pointers, gets no allocation header, and Go's
// allocator places objects of a power-of-two size class from 64 bytes up
// at multiples of their size, so each stripe is a line of its own.
type stripe struct {
	inside atomic.Int64 // Gets under way that picked this stripe
	hits   atomic.Int64
	misses atomic.Int64
	_      [40]byte
}

// maxStripes caps the stripes of a shard, which every write scans.
const maxStripes = 64

// newShard returns an empty shard with stripes for the current GOMAXPROCS.
func newShard[K comparable, V any]() *shard[K, V] {
	n := min(1<<bits.Len(uint(4*runtime.GOMAXPROCS(0)-1)), maxStripes)
	return &shard[K, V]{stripes: make([]stripe, n)}
}

// stripe returns the calling goroutine's stripe. It is picked by the
// address of the goroutine's stack, which differs between goroutines that
// run at once and stays the same between calls from the same depth; a
// stack that moves when it grows only moves its goroutine to another
// stripe. Callers keep the pointer for the whole read.
func (s *shard[K, V]) stripe() *stripe {
	var here byte
	sp := uint64(uintptr(unsafe.Pointer(&here))) >> 11 // stacks are at least 2 KiB apart
	return &s.stripes[(sp*0x9e3779b97f4a7c15)>>32&uint64(len(s.stripes)-1)]
}

// lock takes s for a write: it excludes other writers, turns new readers
// away, and waits for the readers already inside to leave. A reader that
// came in after writing was set sees it (the atomics are sequentially
// consistent) and leaves without reading, so each stripe need only be seen
// empty once.
func (s *shard[K, V]) lock() {
	s.mu.Lock()
	s.writing.Store(1)
	for i := range s.stripes {
		for spins := 0; s.stripes[i].inside.Load() != 0; spins++ {
			if spins >= lockSpins {
				// The reader may have been descheduled inside: let it run.
				runtime.Gosched()
			}
		}
	}
}

// lockSpins is how many times a write checks a stripe before it yields the
// processor: a Get is inside for some tens of nanoseconds, a yield costs
// more than that.
const lockSpins = 100

// unlock ends a write.
func (s *shard[K, V]) unlock() {
	s.writing.Store(0)
	s.mu.Unlock()
}

// counts returns the hits and misses counted so far.
func (s *shard[K, V]) counts() (hits, misses int64) {
	for i := range s.stripes {
		hits += s.stripes[i].hits.Load()
		misses += s.stripes[i].misses.Load()
	}
	return hits, misses
}
