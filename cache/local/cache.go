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
	"time"
)

// Cache is a bounded in-process cache, safe for concurrent use. It holds at
// most a fixed number of entries, or entries of at most a fixed total cost,
// choosing what to keep with W-TinyLFU (see the package documentation), and
// it expires entries after their time to live.
//
// Keys are spread over shards of an index, each with its own write lock;
// one eviction policy, under a lock of its own, decides over the whole
// bound. A Get takes no lock and does not allocate. A Set that replaces a
// value of the same cost takes only its shard's lock; a Set that stores a
// new key takes the policy lock too, and makes room before it returns.
type Cache[K comparable, V any] struct {
	shards  []*shard[K, V]
	seed    maphash.Seed
	shift   uint // a key's shard is its hash >> shift
	weigher func(K, V) int64
	onEvict func(K, V, Reason)
	ttl     time.Duration
	jitter  float64
	epoch   time.Time // expiry times are nanoseconds since epoch
	buffers sync.Pool // of *[]removed[K, V], for the hook

	mu  sync.Mutex // the policy lock; taken before a shard's lock
	pol policy[K, V]
}

// New returns an empty [Cache] configured by opts. Without options it holds
// up to [DefaultMaxEntries] entries that never expire. It returns an error
// if an option is nil or has a bad value, or if [WithMaxCost] or
// [WithOnEvict] was given a function of other key or value types than K and
// V.
func New[K comparable, V any](opts ...Option) (*Cache[K, V], error) {
	var cfg config
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("local: New: nil Option")
		}
		if err := o.apply(&cfg); err != nil {
			return nil, err
		}
	}
	target := fmt.Sprintf("Cache[%v, %v]", reflect.TypeFor[K](), reflect.TypeFor[V]())
	weigher, err := typedFunc[func(K, V) int64]("WithMaxCost", cfg.weigher, target)
	if err != nil {
		return nil, err
	}
	onEvict, err := typedFunc[func(K, V, Reason)]("WithOnEvict", cfg.onEvict, target)
	if err != nil {
		return nil, err
	}
	n := cfg.shardCount()
	c := &Cache[K, V]{
		shards:  make([]*shard[K, V], n),
		seed:    maphash.MakeSeed(),
		shift:   uint(64 - bits.TrailingZeros(uint(n))),
		weigher: weigher,
		onEvict: onEvict,
		ttl:     cfg.ttl,
		jitter:  cfg.jitter,
		epoch:   time.Now(),
	}
	for i := range c.shards {
		c.shards[i] = newShard[K, V]()
	}
	c.pol.init(cfg.bound())
	return c, nil
}

// Get returns the value stored for k and true, or the zero value and false
// if k is absent or expired.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	h := c.hash(k)
	s := c.shards[h>>c.shift]
	st := s.stripe()
	st.inside.Add(1)
	if s.writing.Load() != 0 {
		st.inside.Add(-1)
		return c.getLocked(s, st, h, k)
	}
	e := s.table.get(h, k)
	if e != nil {
		if x := e.expires.Load(); x == 0 || c.now() < x {
			v := e.value
			e.touch()
			st.inside.Add(-1)
			st.hits.Add(1)
			return v, true
		}
	}
	st.inside.Add(-1)
	st.misses.Add(1)
	if e != nil {
		c.expire(h, k)
	}
	var zero V
	return zero, false
}

// getLocked is Get for a reader that found a write holding the shard: it
// reads under the shard's mutex instead, once the write is done.
func (c *Cache[K, V]) getLocked(s *shard[K, V], st *stripe, h uint64, k K) (V, bool) {
	s.mu.Lock()
	e := s.table.get(h, k)
	if e != nil {
		if x := e.expires.Load(); x == 0 || c.now() < x {
			v := e.value
			e.touch()
			s.mu.Unlock()
			st.hits.Add(1)
			return v, true
		}
	}
	s.mu.Unlock()
	st.misses.Add(1)
	if e != nil {
		c.expire(h, k)
	}
	var zero V
	return zero, false
}

// Set stores v for k with the default time to live ([WithTTL]). The value
// is visible to every Get that starts after Set returns, and the cache is
// then within its bound. Set returns a [*CostError] if the entry's cost is
// negative or above the cache's bound; the entry is then not stored, and a
// value already stored for k is removed.
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
	h := c.hash(k)
	s := c.shards[h>>c.shift]
	if cost < 0 || cost > c.pol.bound {
		out := c.removals()
		c.mu.Lock()
		c.pol.rejections++
		c.remove(s, h, k, ReasonReplaced, out)
		c.mu.Unlock()
		c.notify(out)
		return &CostError{Cost: cost, Max: c.pol.bound}
	}
	var expires int64
	if ttl = c.jittered(ttl); ttl > 0 {
		expires = expiry(c.now(), ttl)
	}
	out := c.removals()
	if !c.replace(s, h, k, v, cost, expires, out) {
		c.mu.Lock()
		c.store(s, h, k, v, cost, expires, out)
		c.mu.Unlock()
	}
	c.notify(out)
	return nil
}

// replace stores v for k under s's lock alone if k holds a live entry of
// the same cost whose expiry stays set or unset, and reports whether it did.
func (c *Cache[K, V]) replace(s *shard[K, V], h uint64, k K, v V, cost, expires int64, out *[]removed[K, V]) bool {
	s.lock()
	defer s.unlock()
	e := s.table.get(h, k)
	if e == nil || e.cost != cost {
		return false
	}
	old := e.expires.Load()
	if (old == 0) != (expires == 0) || old != 0 && old <= c.now() {
		return false
	}
	s.sets++
	s.replacements++
	if out != nil {
		*out = append(*out, removed[K, V]{e.key, e.value, ReasonReplaced})
	}
	e.value = v
	e.expires.Store(expires)
	e.touch()
	return true
}

// store stores v for k, making room first; c.mu is held.
func (c *Cache[K, V]) store(s *shard[K, V], h uint64, k K, v V, cost, expires int64, out *[]removed[K, V]) {
	p := &c.pol
	s.lock()
	s.sets++
	e := s.table.get(h, k)
	if e != nil && !e.expired(c.now()) {
		s.replacements++
		if out != nil {
			*out = append(*out, removed[K, V]{e.key, e.value, ReasonReplaced})
		}
		e.value = v
		old := e.expires.Swap(expires)
		e.touch()
		s.unlock()
		switch {
		case old == 0 && expires != 0:
			p.expiring++
		case old != 0 && expires == 0:
			p.expiring--
		}
		c.recost(e, cost, out)
		return
	}
	s.unlock()
	if e != nil {
		c.pol.unlink(e)
		c.dropEntry(e, ReasonExpired, out)
	}
	e = c.makeRoom(cost, out)
	e.key, e.value, e.hash, e.cost = k, v, h, cost
	e.expires.Store(expires)
	s.lock()
	s.table.put(e)
	s.unlock()
	p.insert(e)
	if p.expiring > 0 {
		c.sweep(out)
	}
	if p.inserts%climbEvery == 0 {
		p.climb(c.requests())
	}
}

// climbEvery is how many inserts pass between two reads of the shards'
// request counters by the window's hill climber.
const climbEvery = 64

// requests returns the Gets and the hits counted so far.
func (c *Cache[K, V]) requests() (requests, hits int64) {
	for _, s := range c.shards {
		h, m := s.counts()
		requests += h + m
		hits += h
	}
	return requests, hits
}

// Delete removes k and reports whether it held a live entry. An expired entry
// is removed too (with [ReasonExpired]) but Delete then returns false.
func (c *Cache[K, V]) Delete(k K) bool {
	h := c.hash(k)
	s := c.shards[h>>c.shift]
	out := c.removals()
	c.mu.Lock()
	deleted := c.remove(s, h, k, ReasonDeleted, out)
	c.mu.Unlock()
	c.notify(out)
	return deleted
}

// remove removes k, of hash h in shard s, if it is there, with reason if
// it is live and with ReasonExpired if not, and reports whether it was live.
// c.mu is held.
func (c *Cache[K, V]) remove(s *shard[K, V], h uint64, k K, reason Reason, out *[]removed[K, V]) bool {
	s.mu.Lock()
	e := s.table.get(h, k)
	s.mu.Unlock()
	if e == nil {
		return false
	}
	live := !e.expired(c.now())
	if !live {
		reason = ReasonExpired
	}
	c.pol.unlink(e)
	c.dropEntry(e, reason, out)
	return live
}

// expire removes the entry for k, of hash h, which Get found expired, unless
// a Set has renewed it since.
func (c *Cache[K, V]) expire(h uint64, k K) {
	s := c.shards[h>>c.shift]
	out := c.removals()
	c.mu.Lock()
	s.mu.Lock()
	e := s.table.get(h, k)
	s.mu.Unlock()
	if e != nil && e.expired(c.now()) {
		c.pol.unlink(e)
		c.dropEntry(e, ReasonExpired, out)
	}
	c.mu.Unlock()
	c.notify(out)
}

// Len returns the number of entries held, counting expired entries that have
// not been removed yet. It never exceeds a bound set by [WithMaxEntries].
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pol.len()
}

// Clear removes every entry, reporting each to the [WithOnEvict] hook with
// [ReasonDeleted]. It also forgets the eviction policy's history.
func (c *Cache[K, V]) Clear() {
	var out *[]removed[K, V]
	c.mu.Lock()
	if c.onEvict != nil {
		all := make([]removed[K, V], 0, c.pol.len())
		out = &all
	}
	for i := range c.shards {
		s := c.shards[i]
		s.lock()
		if out != nil {
			s.table.all(func(e *entry[K, V]) {
				*out = append(*out, removed[K, V]{e.key, e.value, ReasonDeleted})
			})
		}
		s.table = table[K, V]{}
		s.unlock()
	}
	c.pol.clear()
	c.mu.Unlock()
	c.notify(out)
}

// All returns an iterator over the live entries, shard by shard. Each shard
// is copied under its lock before its entries are yielded, so the loop
// body may use the cache; entries set or removed during the loop may or may
// not be seen. Iterating neither counts as hits nor affects eviction.
func (c *Cache[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		var buf []removed[K, V]
		for i := range c.shards {
			s := c.shards[i]
			buf = buf[:0]
			s.mu.Lock()
			now := c.now()
			s.table.all(func(e *entry[K, V]) {
				if !e.expired(now) {
					buf = append(buf, removed[K, V]{key: e.key, value: e.value})
				}
			})
			s.mu.Unlock()
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
	c.mu.Lock()
	p := &c.pol
	st := Stats{
		Rejections:   p.rejections,
		Replacements: p.replaced,
		Evictions:    p.evictions,
		Declined:     p.declined,
		Expirations:  p.expirations,
		Deletes:      p.deletes,
		Len:          p.len(),
		Cost:         p.cost(),
		Window:       p.windowMax,
	}
	for i := range c.shards {
		s := c.shards[i]
		s.mu.Lock()
		st.Sets += s.sets
		st.Replacements += s.replacements
		s.mu.Unlock()
	}
	c.mu.Unlock()
	for _, s := range c.shards {
		h, m := s.counts()
		st.Hits += h
		st.Misses += m
	}
	return st
}

// Close releases the cache. A Cache runs no goroutine of its own (expired
// entries are removed when a call comes across them and by a few steps of
// sweeping on each Set of a new key), so Close has nothing to stop: it
// returns nil, may be called any number of times, and leaves the cache
// usable. It is there so that a Cache is closed like every other
// long-lived holdfast object.
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

// removals returns where calls record the entries they remove: a pooled
// buffer, or nil, so that nothing is recorded, without a hook.
func (c *Cache[K, V]) removals() *[]removed[K, V] {
	if c.onEvict == nil {
		return nil
	}
	if out, ok := c.buffers.Get().(*[]removed[K, V]); ok {
		return out
	}
	return new([]removed[K, V])
}

// notify calls the eviction hook for the removed entries, then returns the
// buffer to the pool. It is called with no lock held.
func (c *Cache[K, V]) notify(out *[]removed[K, V]) {
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
