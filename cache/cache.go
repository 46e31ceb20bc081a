package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/cache/local"
)

// ErrClosed is returned by the methods of a [Cache] after [Cache.Close].
var ErrClosed = errors.New("cache: closed")

// ErrEmptyKey is returned for an empty key: a Cache stores none.
var ErrEmptyKey = errors.New("cache: empty key")

// Stats is a snapshot of a [Cache]'s counters, from [Cache.Stats]. Each call
// of Get and GetOrLoad counts once in exactly one of LocalHits, RemoteHits
// and Misses; StaleServed and NegativeHits count some of those hits again.
type Stats struct {
	LocalHits    int64 // calls answered by the local tier
	RemoteHits   int64 // calls answered by the Store
	Misses       int64 // calls that found the key in neither tier
	StaleServed  int64 // hits that served a value past its ttl (WithStaleGrace)
	NegativeHits int64 // hits on a remembered ErrNotFound (WithNegativeTTL)
	Loads        int64 // loader calls, background refreshes included
	LoadErrors   int64 // loader calls that failed (ErrNotFound excepted) or panicked
	Refreshes    int64 // background refreshes started (WithStaleGrace, WithEarlyRefresh)
	RemoteErrors int64 // Store calls that failed or timed out
	DecodeErrors int64 // Store values that could not be decoded, served as misses
	EncodeErrors int64 // loaded values that could not be encoded, kept out of the Store
	// Invalidations counts the keys dropped from the local tier on messages
	// from other Caches; Resets counts the times the whole local tier was
	// dropped because messages may have been lost.
	Invalidations int64
	Resets        int64
	Local         local.Stats // the local tier's own counters
}

// Cache is a two-tier cache of V values under string keys: a [local.Cache] tier in
// this process in front of a shared [Store], such as Redis through the
// cache/redis package. See the package documentation for what it
// guarantees. It is safe for concurrent use; close it with [Cache.Close].
// A nil ctx is an error from every method that takes one ("cache: Get:
// nil Context"), never a panic, as everywhere in holdfast.
type Cache[V any] struct {
	cfg    config
	store  Store
	pubsub PubSub                          // the Store, if it carries invalidations
	local  *local.Cache[string, *entry[V]] // nil WithoutLocal
	epoch  time.Time                       // entry times are nanoseconds since epoch
	id     string                          // tells this Cache's invalidation messages apart
	group  flights[V]
	seed   maphash.Seed
	gens   [genStripes]atomic.Uint64

	closed   atomic.Bool
	life     *lifetime                    // ends at Close: loads and refreshes run within it
	deadline atomic.Pointer[deadlineSlot] // see remoteCtx
	watcher  sync.WaitGroup
	panicMu  sync.Mutex
	panic    error // the first panic recovered from a hook on a Cache goroutine

	stats counters
}

// entry is a value in the local tier. Its fields do not change once it is
// stored, except refreshing. The local tier keeps entries without a ttl of
// its own: the Cache checks expiresAt itself, so that a hit reads the clock
// once, and an expired entry stays until it is replaced or evicted.
type entry[V any] struct {
	val        V
	refreshAt  int64 // a GetOrLoad hit from then on starts a refresh
	staleAt    int64 // fresh until then
	expiresAt  int64 // served by GetOrLoad until then (staleAt + grace)
	negative   bool  // the source reported ErrNotFound
	refreshing atomic.Bool
}

// counters are the Cache's own statistics.
type counters struct {
	notServed, remoteHits, misses, staleServed, negativeHits atomic.Int64
	loads, loadErrors, refreshes                             atomic.Int64
	remoteErrors, decodeErrors, encodeErrors                 atomic.Int64
	invalidations, resets                                    atomic.Int64
}

// genStripes is the number of invalidation generations. Each key maps to
// one; a Set, a Delete or an invalidation message bumps it, and a fill of
// the local tier that began before the bump is dropped, so that a value
// read before an invalidation is not stored after it.
const genStripes = 64

// New returns a Cache configured by opts. It subscribes to the
// invalidation channel when the Store implements [PubSub]: if that fails
// (Redis is down, say), the Cache reports it through [WithOnRemoteError]
// and keeps trying in the background.
func New[V any](opts ...Option) (*Cache[V], error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("cache: New: nil Option")
		}
		if err := o.apply(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.finish(); err != nil {
		return nil, err
	}
	c := &Cache[V]{
		cfg:   cfg,
		store: cfg.store,
		epoch: time.Now(),
		id:    fmt.Sprintf("%016x", rand.Uint64()),
		seed:  maphash.MakeSeed(),
		life:  newLifetime(),
	}
	if c.store == nil {
		c.store, _ = NewMemoryStore(DefaultMemoryStoreEntries)
	}
	if !cfg.noLocal {
		lt, err := newLocalTier[V](cfg)
		if err != nil {
			return nil, err
		}
		c.local = lt
	}
	if ps, ok := c.store.(PubSub); ok {
		c.startWatcher(ps)
	}
	return c, nil
}

// newLocalTier builds the local tier from the sizing options.
func newLocalTier[V any](cfg config) (*local.Cache[string, *entry[V]], error) {
	opts := cfg.localOpts
	if cfg.weigher != nil {
		w, ok := cfg.weigher.(func(string, V) int64)
		if !ok {
			return nil, fmt.Errorf("cache: WithLocalCost: weigher of type %T does not fit Cache[%v]", cfg.weigher, reflect.TypeFor[V]())
		}
		opts = append(opts, local.WithMaxCost(cfg.localCost, func(k string, e *entry[V]) int64 {
			if e.negative {
				return 1
			}
			return w(k, e.val)
		}))
	}
	return local.New[string, *entry[V]](opts...)
}

// Get returns the value cached for key: from the local tier, else from the
// Store (and then keeps it in the local tier). It returns [ErrNotFound] if
// neither tier has a fresh value, or has a remembered ErrNotFound. A Store
// failure is reported ([WithOnRemoteError]) and answered as a miss.
//
// A hit in the local tier makes no allocation and no Store call.
func (c *Cache[V]) Get(ctx context.Context, key string) (V, error) {
	if ctx == nil {
		var zero V
		return zero, nilContext("Get")
	}
	if c.local != nil && key != "" && !c.closed.Load() {
		if e, ok := c.fresh(key); ok {
			if e.negative {
				c.stats.negativeHits.Add(1)
				var zero V
				return zero, ErrNotFound
			}
			return e.val, nil
		}
	}
	return c.getRemote(ctx, key)
}

// fresh returns key's entry in the local tier if it is fresh. A stale or
// expired entry is not served, which the Stats must know, and an expired
// one is dropped, or it would linger, kept by the hits it gets.
func (c *Cache[V]) fresh(key string) (*entry[V], bool) {
	e, ok := c.local.Get(key)
	if !ok {
		return nil, false
	}
	now := c.now()
	if now < e.staleAt {
		return e, true
	}
	c.stats.notServed.Add(1)
	if now >= e.expiresAt {
		c.local.Delete(key)
	}
	return nil, false
}

// getRemote is Get past the local tier.
func (c *Cache[V]) getRemote(ctx context.Context, key string) (V, error) {
	var zero V
	if err := c.check(key); err != nil {
		return zero, err
	}
	gen := c.gen(key)
	f, ok := c.fetch(ctx, key)
	if !ok || f.freshFor <= 0 {
		c.stats.misses.Add(1)
		return zero, ErrNotFound
	}
	c.stats.remoteHits.Add(1)
	if c.local != nil {
		c.fill(key, gen, f)
	}
	if f.negative {
		c.stats.negativeHits.Add(1)
		return zero, ErrNotFound
	}
	return f.val, nil
}

// GetMany is [Cache.Get] for many keys: it returns the fresh values it
// finds, in the local tier and then, for the keys missing there, in one
// batched read of the Store, and keeps those in the local tier. Keys
// missing from both tiers are missing from the map. A Store failure is
// reported and answered as misses; the error is for an empty key or a
// closed Cache. Each key counts as one call in [Stats].
func (c *Cache[V]) GetMany(ctx context.Context, keys []string) (map[string]V, error) {
	if ctx == nil {
		return nil, nilContext("GetMany")
	}
	for _, k := range keys {
		if err := c.check(k); err != nil {
			return nil, err
		}
	}
	found := make(map[string]V, len(keys))
	seen := make(map[string]bool, len(keys))
	var rest []string
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if c.local == nil {
			rest = append(rest, k)
		} else if e, ok := c.fresh(k); !ok {
			rest = append(rest, k)
		} else if e.negative {
			c.stats.negativeHits.Add(1)
		} else {
			found[k] = e.val
		}
	}
	if len(rest) == 0 {
		return found, nil
	}
	gens := make([]uint64, len(rest))
	for i, k := range rest {
		gens[i] = c.gen(k)
	}
	var raws [][]byte
	err := c.remote(ctx, "get", func(ctx context.Context) error {
		var err error
		raws, err = c.store.GetMany(ctx, c.storeKeys(rest))
		return err
	})
	for i, k := range rest {
		var f fetched[V]
		ok := err == nil && i < len(raws) && raws[i] != nil
		if ok {
			f, ok = c.decodeKey(k, raws[i])
		}
		if !ok || f.freshFor <= 0 {
			c.stats.misses.Add(1)
			continue
		}
		c.stats.remoteHits.Add(1)
		if e := c.fill(k, gens[i], f); e.negative {
			c.stats.negativeHits.Add(1)
		} else {
			found[k] = e.val
		}
	}
	return found, nil
}

// GetOrLoad returns the value cached for key, like [Cache.Get], or else
// the value that loader returns, which it stores in both tiers.
//
// Concurrent calls for a key that is in neither tier share one read of the
// Store and one call of a loader (the first caller's): a stampede of misses
// makes one load. The load runs under a context detached from the callers'
// (it keeps their values, not their cancellation), bounded by
// [WithLoadTimeout] and cancelled by [Cache.Close]; each caller waits for
// it within its own ctx and returns ctx's error when ctx ends first. A
// loader that panics or calls runtime.Goexit makes every waiting caller
// return a [*PanicError].
// A loader's error is returned to the callers that waited for it and is
// not cached, except that one matching [ErrNotFound] is remembered when
// [WithNegativeTTL] is set: later calls return ErrNotFound itself without
// calling a loader. A Store failure never fails a call whose loader
// succeeded: it is reported through [WithOnRemoteError], and the value is
// kept in the local tier only. Nor does a value the [Codec] cannot encode:
// it is reported (op "encode") and kept in the local tier only.
//
// Every caller gets the value the one load returned, whichever caller's
// loader it was: loaders for one key must be interchangeable. Since the
// Store read is shared too, it runs on the flight's goroutine, which makes
// a GetOrLoad answered by the Store a goroutine hand-off slower than a Get
// answered by it.
//
// With [WithStaleGrace] or [WithEarlyRefresh], a hit on a value that is
// stale or about to be returns it at once and starts one background refresh
// of the key.
//
// A hit in the local tier makes no allocation and no Store call.
func (c *Cache[V]) GetOrLoad(ctx context.Context, key string, loader func(context.Context) (V, error)) (V, error) {
	if ctx == nil {
		var zero V
		return zero, nilContext("GetOrLoad")
	}
	if c.local != nil && key != "" && loader != nil && !c.closed.Load() {
		if e, ok := c.local.Get(key); ok {
			if now := c.now(); now >= e.refreshAt {
				if now < e.expiresAt {
					return c.hitRefresh(ctx, key, e, loader, now)
				}
				c.stats.notServed.Add(1) // expired
				return c.load(ctx, key, loader)
			}
			if e.negative {
				c.stats.negativeHits.Add(1)
				var zero V
				return zero, ErrNotFound
			}
			return e.val, nil
		}
	}
	return c.load(ctx, key, loader)
}

// hitRefresh serves e, a local hit due for a refresh, and starts it. e is
// never negative: a negative entry expires when it is due (see fill).
func (c *Cache[V]) hitRefresh(ctx context.Context, key string, e *entry[V], loader func(context.Context) (V, error), now int64) (V, error) {
	if now >= e.staleAt {
		c.stats.staleServed.Add(1)
	}
	c.startRefresh(ctx, key, e, loader)
	return e.val, nil
}

// load is GetOrLoad past the local tier: it joins or starts the flight for
// key and waits for it within ctx.
func (c *Cache[V]) load(ctx context.Context, key string, loader func(context.Context) (V, error)) (V, error) {
	var zero V
	if loader == nil {
		return zero, errors.New("cache: GetOrLoad: loader must not be nil")
	}
	if err := c.check(key); err != nil {
		return zero, err
	}
	call := c.group.start(key, func(call *flightCall[V]) { c.flight(call, ctx, key, loader, true) })
	select {
	case <-call.done:
	case <-ctx.Done():
		c.stats.misses.Add(1)
		return zero, ctx.Err()
	}
	if call.err != nil {
		c.stats.misses.Add(1)
		return zero, call.err
	}
	res := call.res
	switch {
	case !res.fromStore:
		c.stats.misses.Add(1)
	case res.entry.staleAt <= c.now():
		c.stats.remoteHits.Add(1)
		c.stats.staleServed.Add(1)
		c.startRefresh(ctx, key, res.entry, loader)
	default:
		c.stats.remoteHits.Add(1)
	}
	if res.entry.negative {
		if res.fromStore {
			c.stats.negativeHits.Add(1)
		}
		return zero, ErrNotFound
	}
	return res.entry.val, nil
}

// flightResult is what a flight gives its callers.
type flightResult[V any] struct {
	entry     *entry[V]
	fromStore bool // found in the Store, not loaded
}

// flight runs a flight for call: fly, with a loader that panics or calls
// runtime.Goexit turned into a [*PanicError]. It runs once per key at a
// time, on the flight's own goroutine, under a context detached from the
// caller whose ctx it was given.
func (c *Cache[V]) flight(call *flightCall[V], ctx context.Context, key string, loader func(context.Context) (V, error), acceptStale bool) {
	if !c.life.enter() {
		call.err = ErrClosed
		return
	}
	defer c.life.exit()
	returned := false
	defer func() {
		if p := recover(); p != nil || !returned {
			c.stats.loadErrors.Add(1)
			call.res, call.err = flightResult[V]{}, newPanicError(p)
		}
	}()
	call.res, call.err = c.fly(ctx, key, loader, acceptStale)
	returned = true
}

// fly reads key from the Store and, if it is missing (or stale, when
// acceptStale is false), calls loader and stores the result.
func (c *Cache[V]) fly(ctx context.Context, key string, loader func(context.Context) (V, error), acceptStale bool) (flightResult[V], error) {
	ctx, cancel := c.life.detach(ctx, c.cfg.loadTimeout)
	defer cancel()
	gen := c.gen(key)
	f, ok, held := c.reserve(ctx, key)
	if ok {
		if f.freshFor > 0 && (acceptStale || f.freshFor > c.cfg.early) {
			return flightResult[V]{entry: c.fill(key, gen, f), fromStore: true}, nil
		}
		if acceptStale && !f.negative && f.freshFor > -c.cfg.grace {
			return flightResult[V]{entry: c.fill(key, gen, f), fromStore: true}, nil
		}
	}
	c.stats.loads.Add(1)
	v, err := c.callLoader(ctx, loader)
	switch {
	case err == nil:
		return flightResult[V]{entry: c.save(ctx, key, gen, held, v)}, nil
	case errors.Is(err, ErrNotFound) && c.cfg.negativeTTL > 0:
		c.saveNegative(ctx, key, gen, held)
	case !errors.Is(err, ErrNotFound):
		c.stats.loadErrors.Add(1)
	}
	return flightResult[V]{}, err
}

// startRefresh starts the one background refresh of e, unless it started.
func (c *Cache[V]) startRefresh(ctx context.Context, key string, e *entry[V], loader func(context.Context) (V, error)) {
	if !e.refreshing.CompareAndSwap(false, true) {
		return
	}
	c.stats.refreshes.Add(1)
	c.group.start(key, func(call *flightCall[V]) { c.flight(call, ctx, key, loader, false) })
}

// Set stores v under key in both tiers and tells the other Caches on the
// Store to drop their copies. If the Store write fails, Set removes key
// from the local tier too and returns the error: the tiers never hold a
// value that Set reported as failed. A failure to publish the invalidation
// is reported through [WithOnRemoteError] only.
func (c *Cache[V]) Set(ctx context.Context, key string, v V) error {
	if ctx == nil {
		return nilContext("Set")
	}
	if err := c.check(key); err != nil {
		return err
	}
	payload, err := c.cfg.codec.Marshal(v)
	if err != nil {
		return fmt.Errorf("cache: Set %q: encode %T: %w", key, v, err)
	}
	// Invalidate before the write, so that a load already running does not
	// write its older value to the Store while this write is in flight, and
	// after it, so that a read of the old value during the write is not
	// kept in the local tier.
	before := c.invalidate(key)
	fresh := c.jittered(c.cfg.remoteTTL)
	err = c.put(ctx, key, envelope{payload: payload, freshUntil: time.Now().Add(fresh).UnixNano()}, fresh)
	after := c.invalidate(key)
	if err != nil {
		return fmt.Errorf("cache: Set %q: %w", key, err)
	}
	// Another invalidation during the write (a Set here, or another
	// Cache's, whose message has come and gone) may belong to a write that
	// reached the Store after this one: keep no copy then, the next read
	// fetches whichever won. (One of another key that shares the counter
	// only costs the copy too.)
	if after == before+1 {
		c.fill(key, after, fetched[V]{val: v, freshFor: fresh})
	}
	c.publish(ctx, key)
	return nil
}

// Delete removes keys from both tiers and tells the other Caches on the
// Store to drop their copies. It returns the Store's error, if any, after
// removing the keys from the local tier anyway.
func (c *Cache[V]) Delete(ctx context.Context, keys ...string) error {
	if ctx == nil {
		return nilContext("Delete")
	}
	for _, k := range keys {
		if err := c.check(k); err != nil {
			return err
		}
	}
	if len(keys) == 0 {
		return nil
	}
	err := c.remote(ctx, "delete", func(ctx context.Context) error {
		return c.store.Delete(ctx, c.storeKeys(keys)...)
	})
	for _, k := range keys {
		c.invalidate(k)
	}
	c.publish(ctx, keys...)
	if err != nil {
		return fmt.Errorf("cache: Delete: %w", err)
	}
	return nil
}

// invalidate drops key from the local tier and makes fills that began
// earlier skip it. It returns key's new invalidation generation.
func (c *Cache[V]) invalidate(key string) uint64 {
	gen := c.genOf(key).Add(1)
	c.group.forget(key)
	if c.local != nil {
		c.local.Delete(key)
	}
	return gen
}

// Stats returns a snapshot of the Cache's counters.
func (c *Cache[V]) Stats() Stats {
	s := Stats{
		RemoteHits:    c.stats.remoteHits.Load(),
		Misses:        c.stats.misses.Load(),
		StaleServed:   c.stats.staleServed.Load(),
		NegativeHits:  c.stats.negativeHits.Load(),
		Loads:         c.stats.loads.Load(),
		LoadErrors:    c.stats.loadErrors.Load(),
		Refreshes:     c.stats.refreshes.Load(),
		RemoteErrors:  c.stats.remoteErrors.Load(),
		DecodeErrors:  c.stats.decodeErrors.Load(),
		EncodeErrors:  c.stats.encodeErrors.Load(),
		Invalidations: c.stats.invalidations.Load(),
		Resets:        c.stats.resets.Load(),
	}
	if c.local != nil {
		// Every local hit answers its call, except the stale ones that Get
		// passes on to the Store: counting them here keeps an atomic add
		// off the hit path.
		// notServed is read first: a stale hit counts in the local tier's
		// hits before it counts in notServed, so this order never takes
		// away a hit that was not yet counted.
		notServed := c.stats.notServed.Load()
		s.Local = c.local.Stats()
		s.LocalHits = s.Local.Hits - notServed
	}
	return s
}

// Close stops the Cache: it cancels loads and refreshes in flight, ends
// the invalidation subscription, and waits for the goroutines it started.
// Calls after Close return [ErrClosed]. It returns a [*PanicError] if a
// hook ([WithOnRemoteError], [WithOnInvalidate]) panicked on a goroutine
// of the Cache's. It does not close the Store, which may be shared.
func (c *Cache[V]) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return nil
	}
	c.life.end()
	c.watcher.Wait()
	if c.local != nil {
		c.local.Clear()
		_ = c.local.Close()
	}
	c.panicMu.Lock()
	defer c.panicMu.Unlock()
	return c.panic
}

// nilContext returns the error of call for a nil ctx (see CONTRIBUTING.md:
// an error, never a panic, and never context.Background in its place).
func nilContext(call string) error {
	return fmt.Errorf("cache: %s: nil Context", call)
}

// check validates key and reports a closed Cache.
func (c *Cache[V]) check(key string) error {
	if key == "" {
		return ErrEmptyKey
	}
	if c.closed.Load() {
		return ErrClosed
	}
	return nil
}

// now returns the time on the Cache's clock: nanoseconds since epoch.
func (c *Cache[V]) now() int64 { return int64(time.Since(c.epoch)) }

// gen returns key's invalidation generation.
func (c *Cache[V]) gen(key string) uint64 { return c.genOf(key).Load() }

func (c *Cache[V]) genOf(key string) *atomic.Uint64 {
	return &c.gens[maphash.String(c.seed, key)%genStripes]
}

// jittered returns d shortened by a random fraction of up to the jitter.
func (c *Cache[V]) jittered(d time.Duration) time.Duration {
	if c.cfg.jitter == 0 || d <= 0 {
		return d
	}
	return max(d-time.Duration(c.cfg.jitter*rand.Float64()*float64(d)), 1)
}

// fetched is a value read from the Store.
type fetched[V any] struct {
	val      V
	freshFor time.Duration // how long it stays fresh from the read; <= 0: stale
	negative bool
}

// fetch reads key from the Store and decodes it. It reports false for a
// missing key, a Store failure or an undecodable value.
func (c *Cache[V]) fetch(ctx context.Context, key string) (fetched[V], bool) {
	raw, err := c.storeGet(ctx, c.cfg.namespace+key)
	if err != nil || raw == nil {
		return fetched[V]{}, false
	}
	return c.decodeKey(key, raw)
}

// reserve is the Store read of a load: it reads key and, if it is
// missing, puts a lease in its place, in one step. It returns the value it
// found (false for a missing key, a lease, a Store failure or an
// undecodable value) and held: the Store bytes that the load's write-back
// must find under key to replace, or nil if the read failed. A Store that
// has just failed is not asked to take the write-back: in an outage that
// would cost the call a second remote timeout.
func (c *Cache[V]) reserve(ctx context.Context, key string) (f fetched[V], ok bool, held []byte) {
	lease := newLease()
	var cur []byte
	var added bool
	err := c.remote(ctx, "get", func(ctx context.Context) error {
		var err error
		cur, added, err = c.store.GetOrAdd(ctx, c.cfg.namespace+key, lease, c.cfg.loadTimeout)
		return err
	})
	switch {
	case err != nil:
		return fetched[V]{}, false, nil
	case added:
		return fetched[V]{}, false, lease
	}
	f, ok = c.decodeKey(key, cur)
	return f, ok, cur
}

// newLease returns the Store bytes of a new lease: an envelope with the
// lease flag and a random token, so that no two leases are equal.
func newLease() []byte {
	b := make([]byte, envHeader+8)
	b[0], b[1] = envVersion, flagLease
	binary.BigEndian.PutUint64(b[envHeader:], rand.Uint64())
	return b
}

// isLease reports whether raw is a lease, which readers take for a miss.
func isLease(raw []byte) bool {
	return len(raw) >= envHeader && raw[0] == envVersion && raw[1] == flagLease
}

// decodeKey decodes the Store bytes of key, counting and reporting a
// value it cannot decode. A lease is a miss.
func (c *Cache[V]) decodeKey(key string, raw []byte) (fetched[V], bool) {
	if isLease(raw) {
		return fetched[V]{}, false
	}
	f, err := c.decode(raw)
	if err != nil {
		c.stats.decodeErrors.Add(1)
		c.report("decode", fmt.Errorf("cache: key %q: %w", key, err))
		return fetched[V]{}, false
	}
	return f, true
}

// decode turns Store bytes into a fetched value.
func (c *Cache[V]) decode(raw []byte) (fetched[V], error) {
	env, err := decodeEnvelope(raw)
	if err != nil {
		return fetched[V]{}, err
	}
	f := fetched[V]{freshFor: time.Duration(env.freshUntil - time.Now().UnixNano()), negative: env.negative}
	if !env.negative {
		if err := c.cfg.codec.Unmarshal(env.payload, &f.val); err != nil {
			return fetched[V]{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	return f, nil
}

// fill keeps f in the local tier, unless key was invalidated since gen,
// and returns the entry.
func (c *Cache[V]) fill(key string, gen uint64, f fetched[V]) *entry[V] {
	e := c.newEntry(f)
	if g := c.genOf(key); c.local != nil && e.expiresAt > c.now() && g.Load() == gen {
		_ = c.local.Set(key, e) // a value too costly for the local tier is only not kept
		// An invalidation that ran between the check and the Set did its
		// Delete before e was stored, so drop e here instead.
		if g.Load() != gen {
			c.local.Delete(key)
		}
	}
	return e
}

// newEntry returns the local tier's entry for f, with its times.
func (c *Cache[V]) newEntry(f fetched[V]) *entry[V] {
	ttl := c.cfg.localTTL
	if f.negative {
		ttl = min(ttl, c.cfg.negativeTTL)
	}
	fresh := min(c.jittered(ttl), f.freshFor)
	now := c.now()
	e := &entry[V]{val: f.val, negative: f.negative}
	e.staleAt = saturatingAdd(now, fresh)
	e.refreshAt, e.expiresAt = e.staleAt, e.staleAt
	if !f.negative {
		e.refreshAt = saturatingAdd(now, fresh-c.cfg.early)
		e.expiresAt = saturatingAdd(now, fresh+c.cfg.grace)
	}
	return e
}

func saturatingAdd(a int64, d time.Duration) int64 {
	if d > 0 && a > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return a + int64(d)
}

// save stores v, just loaded, in both tiers, unless a write to key
// superseded it during the load (see saveEnvelope). With held nil (the
// Store read failed) it keeps v in the local tier only.
func (c *Cache[V]) save(ctx context.Context, key string, gen uint64, held []byte, v V) *entry[V] {
	fresh := c.jittered(c.cfg.remoteTTL)
	f := fetched[V]{val: v, freshFor: fresh}
	if held == nil {
		return c.fill(key, gen, f)
	}
	payload, err := c.cfg.codec.Marshal(v)
	if err != nil {
		c.stats.encodeErrors.Add(1)
		c.report("encode", fmt.Errorf("cache: key %q: encode %T: %w", key, v, err))
		return c.fill(key, gen, f)
	}
	env := envelope{payload: payload, freshUntil: time.Now().Add(fresh).UnixNano()}
	if !c.saveEnvelope(ctx, key, gen, held, env, fresh) {
		return c.newEntry(f) // the callers get it; neither tier keeps it
	}
	return c.fill(key, gen, f)
}

// saveNegative remembers in both tiers that the source lacks key, as
// save does.
func (c *Cache[V]) saveNegative(ctx context.Context, key string, gen uint64, held []byte) {
	ttl := c.cfg.negativeTTL
	if held != nil {
		env := envelope{negative: true, freshUntil: time.Now().Add(ttl).UnixNano()}
		if !c.saveEnvelope(ctx, key, gen, held, env, ttl) {
			return
		}
	}
	c.fill(key, gen, fetched[V]{negative: true, freshFor: ttl})
}

// saveEnvelope writes env, just loaded, to the Store in place of held,
// what the load read there, and reports false if a write superseded the
// load: the key was invalidated in this Cache since gen, or the Store no
// longer holds held. That comparison and the write are one atomic step of
// the Store's (CompareAndSet), so a Set or Delete that reached the Store
// after the load's read, from any process, wins even if the write-back
// arrives after it. A failed write-back reports true: its outcome is
// unknown, and the local tier is still guarded by gen.
//
// Unlike Set, it publishes no invalidation. A load fills a key that was
// missing or stale in the Store, and the other Caches' copies of it are
// bounded by the same staleness, so they are about to be refreshed anyway;
// telling them would only make them drop the copies they have just read.
func (c *Cache[V]) saveEnvelope(ctx context.Context, key string, gen uint64, held []byte, env envelope, fresh time.Duration) bool {
	if c.gen(key) != gen {
		return false
	}
	ttl := c.storeTTL(env, fresh)
	b := env.encode()
	swapped := false
	err := c.remote(ctx, "set", func(ctx context.Context) error {
		var err error
		swapped, err = c.store.CompareAndSet(ctx, c.cfg.namespace+key, held, b, ttl)
		return err
	})
	return swapped || err != nil
}

// storeTTL is how long env, fresh for fresh, lives in the Store: fresh
// plus the grace period of a value.
func (c *Cache[V]) storeTTL(env envelope, fresh time.Duration) time.Duration {
	if env.negative {
		return fresh
	}
	return fresh + c.cfg.grace
}

// put writes env to the Store, to live fresh plus the grace period.
func (c *Cache[V]) put(ctx context.Context, key string, env envelope, fresh time.Duration) error {
	ttl := c.storeTTL(env, fresh)
	b := env.encode()
	return c.remote(ctx, "set", func(ctx context.Context) error {
		return c.store.Set(ctx, c.cfg.namespace+key, b, ttl)
	})
}

// report passes an absorbed failure to the WithOnRemoteError hook.
func (c *Cache[V]) report(op string, err error) {
	if c.cfg.onRemoteError != nil {
		c.cfg.onRemoteError(op, err)
	}
}

// storeKeys returns keys with the namespace.
func (c *Cache[V]) storeKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = c.cfg.namespace + k
	}
	return out
}
