package local

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
)

// S3-FIFO (Yang et al., SOSP 2023) in each shard of a Local. New entries go
// to a small FIFO queue holding a tenth of the shard's bound; an entry that
// reaches the small queue's tail having been read since it was stored moves
// to the main queue, and one that has not is evicted, its key's hash
// remembered in a ghost queue. A key found in the ghost queue when it is
// stored again goes straight to the main queue. The main queue evicts from
// its tail, giving entries read since they last passed the tail another
// round (a CLOCK with a frequency of up to 3). A read only bumps the entry's
// frequency: no queue changes, so reads share the shard's lock.

const (
	localMaxFreq     = 3 // a saturating read counter
	localPromoteFreq = 1 // reads an entry needs at the small queue's tail to move to the main queue
	localSweepSteps  = 2 // entries a Set checks for expiry, when the shard has expiring entries
)

// localEntry is an entry of a Local. key, value and expires are read under the
// shard's read lock and written under its write lock; freq is updated by
// readers under the read lock; the other fields are used only under the write
// lock.
type localEntry[K comparable, V any] struct {
	key     K
	value   V
	expires int64 // nanoseconds since the Local's epoch; 0 means never
	freq    atomic.Int32
	hash    uint64
	cost    int64
	inMain  bool
	prev    *localEntry[K, V] // towards the queue's tail (older)
	next    *localEntry[K, V] // towards the queue's head (newer)
}

// touch records a read of e.
func (e *localEntry[K, V]) touch() {
	if f := e.freq.Load(); f < localMaxFreq {
		e.freq.Store(f + 1)
	}
}

// expired reports whether e has expired at now.
func (e *localEntry[K, V]) expired(now int64) bool {
	return e.expires != 0 && now >= e.expires
}

// localRemoved records an entry removed from a Local, for the eviction hook.
type localRemoved[K comparable, V any] struct {
	key    K
	value  V
	reason Reason
}

// localQueue is a FIFO queue of entries linked through their prev and next
// fields.
type localQueue[K comparable, V any] struct {
	head *localEntry[K, V] // newest
	tail *localEntry[K, V] // oldest
	len  int
	cost int64
}

func (q *localQueue[K, V]) push(e *localEntry[K, V]) {
	e.prev, e.next = q.head, nil
	if q.head != nil {
		q.head.next = e
	} else {
		q.tail = e
	}
	q.head = e
	q.len++
	q.cost += e.cost
}

func (q *localQueue[K, V]) remove(e *localEntry[K, V]) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		q.tail = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		q.head = e.prev
	}
	e.prev, e.next = nil, nil
	q.len--
	q.cost -= e.cost
}

// localGhost is S3-FIFO's ghost queue: the hashes of keys recently evicted
// from the small queue. As the paper suggests, it keeps for each a fingerprint
// and the time it was added, counted in additions, so that a key is in the
// queue while fewer than limit keys have been added after it: a FIFO queue of
// limit entries. The entries live in a direct-mapped array, four slots for
// each of the limit entries, where a new entry overwrites whichever old entry
// it collides with; the queue thus forgets about one entry in eight early,
// which costs a fraction of a percent in hit ratio and saves a hash map.
type localGhost struct {
	slots []uint64 // fingerprint<<32 | time; 0 for an empty slot
	now   uint32   // additions so far
}

// localGhostFingerprint returns the fingerprint of hash h, taken from bits
// that neither pick the shard (the top ones) nor the slot (the bottom ones).
func localGhostFingerprint(h uint64) uint64 { return h >> 24 << 32 }

// add adds h to a queue of limit entries.
func (g *localGhost) add(h uint64, limit int) {
	if size := 4 * max(limit, 4); len(g.slots) < size {
		g.slots = make([]uint64, 1<<bits.Len(uint(size-1)))
	}
	if g.now++; g.now == 0 {
		g.now++ // keep 0 for empty slots
	}
	g.slots[h&uint64(len(g.slots)-1)] = localGhostFingerprint(h) | uint64(g.now)
}

// take removes h from a queue of limit entries and reports whether it was
// there.
func (g *localGhost) take(h uint64, limit int) bool {
	if len(g.slots) == 0 {
		return false
	}
	s := &g.slots[h&uint64(len(g.slots)-1)]
	if *s == 0 || *s&^math.MaxUint32 != localGhostFingerprint(h) || g.now-uint32(*s) >= uint32(limit) {
		return false
	}
	*s = 0
	return true
}

// localCounts are a shard's counters that change under its write lock.
type localCounts struct {
	sets, rejections, replacements, evictions, expirations, deletes int64
}

// localShard is one shard of a Local: an index and the S3-FIFO queues.
type localShard[K comparable, V any] struct {
	mu     sync.RWMutex
	hits   atomic.Int64
	misses atomic.Int64

	table       localTable[K, V]
	small, main localQueue[K, V]
	ghost       localGhost
	capacity    int64         // this shard's share of the bound
	total       *atomic.Int64 // the Local's total cost, kept only with a weigher
	bound       int64         // the Local's bound
	smallCap    int64
	expiring    int               // entries with an expiry time
	spare       *localEntry[K, V] // a removed entry, zeroed, for the next insert
	hand        *localEntry[K, V] // the next entry the sweep checks
	handInMain  bool              // the queue the sweep is walking
	counts      localCounts

	_ [64]byte // keeps the next shard's lock off this shard's cache lines
}

func (s *localShard[K, V]) init(capacity int64) {
	s.table = localTable[K, V]{slots: make([]localSlot[K, V], localTableMin)}
	s.capacity = capacity
	s.smallCap = capacity / 10
}

// ghostLimit returns the number of entries of the ghost queue: as many as
// the main queue holds, nine tenths of the shard's entries.
func (s *localShard[K, V]) ghostLimit() int { return s.table.n - s.table.n/10 }

// cost returns the total cost of the shard's entries.
func (s *localShard[K, V]) cost() int64 { return s.small.cost + s.main.cost }

// queue returns the queue that holds e.
func (s *localShard[K, V]) queue(e *localEntry[K, V]) *localQueue[K, V] {
	if e.inMain {
		return &s.main
	}
	return &s.small
}

// unlink removes e from its queue, moving the sweep's hand off it.
func (s *localShard[K, V]) unlink(e *localEntry[K, V]) {
	if s.hand == e {
		s.hand = e.next
	}
	s.queue(e).remove(e)
}

// set stores v for k with the given cost and expiry time.
func (s *localShard[K, V]) set(h uint64, k K, v V, cost, expires, now int64, out *[]localRemoved[K, V]) {
	s.counts.sets++
	if e := s.table.get(h, k); e != nil {
		if !e.expired(now) {
			s.update(e, v, cost, expires, now, out)
			s.sweep(now, out)
			return
		}
		s.drop(e, ReasonExpired, out)
	}
	s.makeRoom(cost, now, out)
	e := s.spare
	if e == nil {
		e = new(localEntry[K, V])
	}
	s.spare = nil
	e.key, e.value, e.hash, e.cost, e.expires = k, v, h, cost, expires
	s.insert(e)
	s.sweep(now, out)
}

// insert adds the new entry e: to the main queue if its key is in the ghost
// queue, else to the small queue.
func (s *localShard[K, V]) insert(e *localEntry[K, V]) {
	e.inMain = s.ghost.take(e.hash, s.ghostLimit())
	s.queue(e).push(e)
	s.table.put(e)
	s.account(e.cost)
	if e.expires != 0 {
		s.expiring++
	}
}

// update replaces the value of the live entry e.
func (s *localShard[K, V]) update(e *localEntry[K, V], v V, cost, expires, now int64, out *[]localRemoved[K, V]) {
	s.counts.replacements++
	if out != nil {
		*out = append(*out, localRemoved[K, V]{e.key, e.value, ReasonReplaced})
	}
	e.value = v
	if (e.expires != 0) != (expires != 0) {
		if expires != 0 {
			s.expiring++
		} else {
			s.expiring--
		}
	}
	e.expires = expires
	e.touch()
	if cost != e.cost {
		// Take e out while making room so that it is not evicted itself.
		s.unlink(e)
		s.account(-e.cost)
		e.cost = cost
		s.makeRoom(cost, now, out)
		s.queue(e).push(e)
		s.account(cost)
	}
}

// reject handles a Set whose cost was refused: a value already stored for k
// is removed, so that the cache never returns the value being replaced.
func (s *localShard[K, V]) reject(h uint64, k K, now int64, out *[]localRemoved[K, V]) {
	s.counts.rejections++
	if e := s.table.get(h, k); e != nil {
		if e.expired(now) {
			s.drop(e, ReasonExpired, out)
		} else {
			s.drop(e, ReasonReplaced, out)
		}
	}
}

// makeRoom evicts entries until one of the given cost fits in the shard's
// share, or the queues are empty. With a weigher, the shares are not strict:
// the shard may hold more than its share while the whole cache is within its
// bound, so that entries costing more than a share can be held without
// emptying their shard (Local.shed restores the bound when other shards
// need the room back).
func (s *localShard[K, V]) makeRoom(cost, now int64, out *[]localRemoved[K, V]) {
	for s.cost()+cost > s.capacity && s.small.len+s.main.len > 0 {
		if s.total != nil && s.total.Load()+cost <= s.bound {
			return
		}
		s.evict(now, out)
	}
}

// account adds delta to the Local's total cost, if it keeps one.
func (s *localShard[K, V]) account(delta int64) {
	if s.total != nil {
		s.total.Add(delta)
	}
}

// evict removes at least one entry, or moves entries from the small queue to
// the main queue; the queues must not be empty.
func (s *localShard[K, V]) evict(now int64, out *[]localRemoved[K, V]) {
	if s.small.len > 0 && (s.small.cost >= s.smallCap || s.main.len == 0) {
		s.evictSmall(now, out)
	} else {
		s.evictMain(now, out)
	}
}

func (s *localShard[K, V]) evictSmall(now int64, out *[]localRemoved[K, V]) {
	for s.small.len > 0 {
		e := s.small.tail
		switch {
		case e.expired(now):
			s.drop(e, ReasonExpired, out)
			return
		case e.freq.Load() >= localPromoteFreq:
			s.unlink(e)
			e.freq.Store(0)
			e.inMain = true
			s.main.push(e)
			if s.main.cost > s.capacity-s.smallCap {
				s.evictMain(now, out)
			}
		default:
			s.ghost.add(e.hash, s.ghostLimit())
			s.drop(e, ReasonEvicted, out)
			return
		}
	}
}

func (s *localShard[K, V]) evictMain(now int64, out *[]localRemoved[K, V]) {
	for s.main.len > 0 {
		e := s.main.tail
		if e.expired(now) {
			s.drop(e, ReasonExpired, out)
			return
		}
		f := e.freq.Load()
		if f == 0 {
			s.drop(e, ReasonEvicted, out)
			return
		}
		e.freq.Store(f - 1)
		s.unlink(e)
		s.main.push(e)
	}
}

// drop removes e from the shard.
func (s *localShard[K, V]) drop(e *localEntry[K, V], reason Reason, out *[]localRemoved[K, V]) {
	s.unlink(e)
	s.table.remove(e)
	s.account(-e.cost)
	if e.expires != 0 {
		s.expiring--
	}
	switch reason {
	case ReasonEvicted:
		s.counts.evictions++
	case ReasonExpired:
		s.counts.expirations++
	case ReasonDeleted:
		s.counts.deletes++
	case ReasonReplaced:
		s.counts.replacements++
	}
	if out != nil {
		*out = append(*out, localRemoved[K, V]{e.key, e.value, reason})
	}
	// Readers only use an entry under the read lock, so once it is out of
	// the table it can be reused by the next insert, which then does not
	// allocate when the cache is full.
	*e = localEntry[K, V]{}
	s.spare = e
}

// sweep checks a few entries for expiry, walking the queues from tail to head
// one after the other, so that expired entries nobody reads are reclaimed.
func (s *localShard[K, V]) sweep(now int64, out *[]localRemoved[K, V]) {
	for range localSweepSteps {
		if s.expiring == 0 {
			return
		}
		e := s.hand
		if e == nil {
			s.handInMain = !s.handInMain
			if e = s.small.tail; s.handInMain {
				e = s.main.tail
			}
			if e == nil {
				continue
			}
		}
		s.hand = e.next
		if e.expired(now) {
			s.drop(e, ReasonExpired, out)
		}
	}
}

// clear removes every entry, with ReasonDeleted.
func (s *localShard[K, V]) clear(out *[]localRemoved[K, V]) {
	s.counts.deletes += int64(s.table.n)
	s.account(-s.cost())
	if out != nil {
		for _, q := range []*localQueue[K, V]{&s.main, &s.small} {
			for e := q.tail; e != nil; e = e.next {
				*out = append(*out, localRemoved[K, V]{e.key, e.value, ReasonDeleted})
			}
		}
	}
	s.small, s.main, s.ghost = localQueue[K, V]{}, localQueue[K, V]{}, localGhost{}
	s.hand, s.expiring = nil, 0
	s.init(s.capacity)
}

// live appends the shard's live entries to buf, oldest first.
func (s *localShard[K, V]) live(buf []localRemoved[K, V], now int64) []localRemoved[K, V] {
	for _, q := range []*localQueue[K, V]{&s.main, &s.small} {
		for e := q.tail; e != nil; e = e.next {
			if !e.expired(now) {
				buf = append(buf, localRemoved[K, V]{key: e.key, value: e.value})
			}
		}
	}
	return buf
}
