package local

import (
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"math"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// ErrCost is the error that a [Cache] returns, wrapped in a [*CostError],
// for an entry whose cost is negative or above the cache's whole bound.
var ErrCost = errors.New("local: entry cost out of range")

// CostError reports an entry that a [Cache] refused to store because of its
// cost, as given by the [WithWeigher] function. It wraps [ErrCost].
type CostError struct {
	Cost int64 // the entry's cost
	Max  int64 // the cache's bound
}

var _ error = (*CostError)(nil)

func (e *CostError) Error() string {
	if e.Cost < 0 {
		return fmt.Sprintf("local: entry cost %d is negative; entry not stored", e.Cost)
	}
	return fmt.Sprintf("local: entry cost %d exceeds the bound %d; entry not stored", e.Cost, e.Max)
}

// Unwrap returns [ErrCost].
func (e *CostError) Unwrap() error { return ErrCost }

// Reason says why an entry left a [Cache]; the [WithOnEvict] hook receives it.
type Reason int

const (
	// ReasonEvicted: the eviction policy removed the entry to make room.
	ReasonEvicted Reason = iota + 1
	// ReasonExpired: the entry's time to live had passed.
	ReasonExpired
	// ReasonDeleted: [Cache.Delete] or [Cache.Clear] removed the entry.
	ReasonDeleted
	// ReasonReplaced: a Set for the same key replaced the entry's value, or
	// removed it because the new value's cost was refused.
	ReasonReplaced
)

// String returns the reason's name in lower case, such as "evicted".
func (r Reason) String() string {
	switch r {
	case ReasonEvicted:
		return "evicted"
	case ReasonExpired:
		return "expired"
	case ReasonDeleted:
		return "deleted"
	case ReasonReplaced:
		return "replaced"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Stats is a snapshot of a [Cache]'s counters, returned by
// [Cache.Stats]. The counters are summed shard by shard, so under concurrent
// use they are not taken at a single instant; when the cache is quiet,
// Len == Sets - Replacements - Evictions - Expirations - Deletes.
// Replacements, Evictions, Expirations and Deletes each count the calls of
// the [WithOnEvict] hook with the matching [Reason].
type Stats struct {
	Hits         int64 // Gets that found a live entry
	Misses       int64 // Gets that did not
	Sets         int64 // values stored by Set and SetWithTTL
	Rejections   int64 // Sets refused for their cost (see [CostError])
	Replacements int64 // entries replaced by a Set for the same key
	Evictions    int64 // entries removed by the eviction policy
	Expirations  int64 // expired entries removed
	Deletes      int64 // entries removed by Delete or Clear
	Len          int   // entries held, as [Cache.Len]
	Cost         int64 // total cost of the entries held
}

// HitRatio returns Hits / (Hits + Misses), or 0 before the first Get.
func (s Stats) HitRatio() float64 {
	if s.Hits+s.Misses == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Hits+s.Misses)
}

// Local is a bounded in-process cache, safe for concurrent use. It holds at
// most a fixed number of entries, or entries of at most a fixed total cost,
// evicting with S3-FIFO (see the package documentation), and it expires
// entries after their time to live.
//
// Keys are spread over shards, each with its own lock and its own share of
// the bound. A Get that finds its key takes only its shard's read lock and
// does not allocate; a Set takes the shard's write lock.
type Cache[K comparable, V any] struct {
	shards  []localShard[K, V]
	seed    maphash.Seed
	shift   uint // a key's shard is its hash >> shift
	bound   int64
	weigher func(K, V) int64
	onEvict func(K, V, Reason)
	ttl     time.Duration
	jitter  float64
	epoch   time.Time     // expiry times are nanoseconds since epoch
	total   *atomic.Int64 // total cost, kept only with a weigher
	buffers sync.Pool     // of *[]localRemoved[K, V], for the hook
}

// New returns an empty [Cache] configured by opts. Without options it
// holds up to [DefaultMaxEntries] entries that never expire. It returns
// an error if an option has a bad value, if [WithWeigher] or [WithOnEvict]
// was given a function of other key or value types than K and V, or if
// [WithWeigher] is used without [WithMaxCost].
func New[K comparable, V any](opts ...Option) (*Cache[K, V], error) {
	var cfg localConfig
	for _, o := range opts {
		if err := o.apply(&cfg); err != nil {
			return nil, err
		}
	}
	target := fmt.Sprintf("Cache[%v, %v]", reflect.TypeFor[K](), reflect.TypeFor[V]())
	weigher, err := localFunc[func(K, V) int64]("WithWeigher", cfg.weigher, target)
	if err != nil {
		return nil, err
	}
	onEvict, err := localFunc[func(K, V, Reason)]("WithOnEvict", cfg.onEvict, target)
	if err != nil {
		return nil, err
	}
	if weigher != nil && cfg.maxCost == 0 {
		return nil, errors.New("local: WithWeigher: needs WithMaxCost")
	}
	bound := cfg.bound()
	n := cfg.shardCount(bound)
	c := &Cache[K, V]{
		shards:  make([]localShard[K, V], n),
		seed:    maphash.MakeSeed(),
		shift:   uint(64 - bits.TrailingZeros(uint(n))),
		bound:   bound,
		weigher: weigher,
		onEvict: onEvict,
		ttl:     cfg.ttl,
		jitter:  cfg.jitter,
		epoch:   time.Now(),
	}
	if weigher != nil {
		c.total = new(atomic.Int64)
	}
	for i := range c.shards {
		share := bound / int64(n)
		if int64(i) < bound%int64(n) {
			share++
		}
		c.shards[i].init(share)
		c.shards[i].total, c.shards[i].bound = c.total, bound
	}
	return c, nil
}

// Get returns the value stored for k and true, or the zero value and false
// if k is absent or expired.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	h := c.hash(k)
	s := &c.shards[h>>c.shift]
	s.mu.RLock()
	e := s.table.get(h, k)
	if e != nil && (e.expires == 0 || c.now() < e.expires) {
		v := e.value
		e.touch()
		s.mu.RUnlock()
		s.hits.Add(1)
		return v, true
	}
	s.mu.RUnlock()
	s.misses.Add(1)
	if e != nil {
		c.expire(s, h, k)
	}
	var zero V
	return zero, false
}

// Set stores v for k with the default time to live ([WithTTL]). It returns a
// [*CostError] if the entry's cost is negative or above the cache's bound; the
// entry is then not stored, and a value already stored for k is removed.
func (c *Cache[K, V]) Set(k K, v V) error {
	return c.set(k, v, c.ttl)
}

// SetWithTTL is like [Cache.Set] with a time to live of its own: the entry
// expires ttl after the call, shortened by the [WithTTLJitter] fraction if
// one is set; a ttl of 0 means the entry does not expire. A negative ttl is
// an error, and nothing is stored.
func (c *Cache[K, V]) SetWithTTL(k K, v V, ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("local: SetWithTTL: ttl must be >= 0, got %v", ttl)
	}
	return c.set(k, v, ttl)
}

func (c *Cache[K, V]) set(k K, v V, ttl time.Duration) error {
	cost := int64(1)
	if c.weigher != nil {
		if cost = c.weigher(k, v); cost == 0 {
			cost = 1 // so that the bound also bounds the number of entries
		}
	}
	var err error
	if cost < 0 || cost > c.bound {
		err = &CostError{Cost: cost, Max: c.bound}
	}
	ttl = c.jittered(ttl)
	h := c.hash(k)
	idx := h >> c.shift
	s := &c.shards[idx]
	out := c.removals()
	s.mu.Lock()
	var now int64
	if ttl > 0 || s.expiring > 0 {
		now = c.now()
	}
	if err != nil {
		s.reject(h, k, now, out)
	} else {
		s.set(h, k, v, cost, expiry(now, ttl), now, out)
	}
	s.mu.Unlock()
	c.notify(out)
	if c.total != nil && c.total.Load() > c.bound {
		c.shed(int(idx))
	}
	return err
}

// Delete removes k and reports whether it held a live entry. An expired entry
// is removed too (with [ReasonExpired]) but Delete then returns false.
func (c *Cache[K, V]) Delete(k K) bool {
	h := c.hash(k)
	s := &c.shards[h>>c.shift]
	out := c.removals()
	s.mu.Lock()
	deleted := false
	if e := s.table.get(h, k); e != nil {
		deleted = e.expires == 0 || !e.expired(c.now())
		if deleted {
			s.drop(e, ReasonDeleted, out)
		} else {
			s.drop(e, ReasonExpired, out)
		}
	}
	s.mu.Unlock()
	c.notify(out)
	return deleted
}

// Len returns the number of entries held, counting expired entries that have
// not been removed yet.
func (c *Cache[K, V]) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += s.table.n
		s.mu.RUnlock()
	}
	return n
}

// Clear removes every entry, reporting each to the [WithOnEvict] hook with
// [ReasonDeleted]. It also forgets the eviction policy's history.
func (c *Cache[K, V]) Clear() {
	for i := range c.shards {
		s := &c.shards[i]
		var out *[]localRemoved[K, V]
		s.mu.Lock()
		if c.onEvict != nil {
			removed := make([]localRemoved[K, V], 0, s.table.n)
			out = &removed
		}
		s.clear(out)
		s.mu.Unlock()
		c.notify(out)
	}
}

// All returns an iterator over the live entries, shard by shard. Each shard
// is copied under its read lock before its entries are yielded, so the loop
// body may use the cache; entries set or removed during the loop may or may
// not be seen. Iterating neither counts as hits nor affects eviction.
func (c *Cache[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		var buf []localRemoved[K, V]
		for i := range c.shards {
			s := &c.shards[i]
			s.mu.RLock()
			buf = s.live(buf[:0], c.now())
			s.mu.RUnlock()
			for _, kv := range buf {
				if !yield(kv.key, kv.value) {
					return
				}
			}
		}
	}
}

// Stats returns a snapshot of the cache's counters.
func (c *Cache[K, V]) Stats() Stats {
	var st Stats
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		st.Sets += s.counts.sets
		st.Rejections += s.counts.rejections
		st.Replacements += s.counts.replacements
		st.Evictions += s.counts.evictions
		st.Expirations += s.counts.expirations
		st.Deletes += s.counts.deletes
		st.Len += s.table.n
		st.Cost += s.cost()
		s.mu.RUnlock()
		st.Hits += s.hits.Load()
		st.Misses += s.misses.Load()
	}
	return st
}

// Close releases the cache. A Local runs no goroutine of its own (expired
// entries are removed when a call comes across them and by a few steps of
// sweeping on each Set), so Close has nothing to stop: it returns nil, may be
// called any number of times, and leaves the cache usable. It is there so
// that a Local is closed like every other long-lived holdfast object.
func (c *Cache[K, V]) Close() error { return nil }

// hash returns the hash of k, whose high bits select its shard.
func (c *Cache[K, V]) hash(k K) uint64 { return maphash.Comparable(c.seed, k) }

// now returns the time in nanoseconds since c.epoch, on the monotonic clock.
func (c *Cache[K, V]) now() int64 { return int64(time.Since(c.epoch)) }

// jittered returns ttl shortened by a random fraction of up to c.jitter.
func (c *Cache[K, V]) jittered(ttl time.Duration) time.Duration {
	if c.jitter == 0 || ttl == 0 {
		return ttl
	}
	return max(ttl-time.Duration(c.jitter*rand.Float64()*float64(ttl)), 1)
}

// expiry returns the expiry time of an entry stored at now with the given
// ttl: 0 (never) for a zero ttl, saturating instead of overflowing.
func expiry(now int64, ttl time.Duration) int64 {
	if ttl == 0 {
		return 0
	}
	if int64(ttl) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(ttl)
}

// expire removes the entry for k, of hash h, which Get found expired, unless
// a Set has renewed it since.
func (c *Cache[K, V]) expire(s *localShard[K, V], h uint64, k K) {
	out := c.removals()
	s.mu.Lock()
	if e := s.table.get(h, k); e != nil && e.expired(c.now()) {
		s.drop(e, ReasonExpired, out)
	}
	s.mu.Unlock()
	c.notify(out)
}

// shed evicts entries from shards other than skip, those holding more than
// their share of the bound first, until the total cost is within the bound
// again. A Set calls it after storing an entry in shard skip without
// evicting as much as that entry cost, because the shard was within its
// share: some other shard was beyond its own.
func (c *Cache[K, V]) shed(skip int) {
	for c.total.Load() > c.bound {
		if !c.shedOne(skip, true) && !c.shedOne(skip, false) {
			return
		}
	}
}

// shedOne evicts from the first shard after skip that holds entries (and,
// if overOnly, more than its share) and reports whether it found one.
func (c *Cache[K, V]) shedOne(skip int, overOnly bool) bool {
	for i := 1; i < len(c.shards); i++ {
		s := &c.shards[(skip+i)%len(c.shards)]
		out := c.removals()
		s.mu.Lock()
		found := s.small.len+s.main.len > 0 && (!overOnly || s.cost() > s.capacity)
		if found {
			s.evict(c.now(), out)
		}
		s.mu.Unlock()
		c.notify(out)
		if found {
			return true
		}
	}
	return false
}

// removals returns where shard operations record the entries they remove:
// a pooled buffer, or nil, so that nothing is recorded, without a hook.
func (c *Cache[K, V]) removals() *[]localRemoved[K, V] {
	if c.onEvict == nil {
		return nil
	}
	if out, ok := c.buffers.Get().(*[]localRemoved[K, V]); ok {
		return out
	}
	return new([]localRemoved[K, V])
}

// notify calls the eviction hook for the removed entries, then returns the
// buffer to the pool. It is called with no lock held.
func (c *Cache[K, V]) notify(out *[]localRemoved[K, V]) {
	if out == nil {
		return
	}
	for _, r := range *out {
		c.onEvict(r.key, r.value, r.reason)
	}
	if cap(*out) <= 64 {
		clear(*out)
		*out = (*out)[:0]
		c.buffers.Put(out)
	}
}
