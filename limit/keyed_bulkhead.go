package limit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// KeyedBulkhead is a [Bulkhead] per key (a tenant, a user, a route): each
// key may have n calls in flight, and the options ([WithMaxWaiting],
// [WithMaxWait], [WithLIFO], [WithRetryAfter]) hold for each key, so that
// one tenant cannot take every place of a shared resource.
//
// Memory is bounded by the keys in use: a key's state is made on its first
// call and dropped (kept for reuse in a pool) when it has no call in
// flight or waiting. At most maxKeys keys may be in use at once; a call for
// another key is rejected with an error matching [ErrLimited].
//
// A KeyedBulkhead is safe for concurrent use. A call takes two locks to
// acquire and two to release (the map's and the key's) and allocates
// nothing once the pool is warm.
type KeyedBulkhead[K comparable] struct {
	mu        sync.Mutex
	keys      map[K]*keyed[K]
	n         int
	maxKeys   int
	cfg       config
	pool      sync.Pool
	rejectErr *LimitedError
	base      time.Time // every key's gate's clock origin: a new key reads no clock
}

// keyed is one key's bulkhead, with the number of calls that hold or wait
// for one of its places.
type keyed[K comparable] struct {
	kb   *KeyedBulkhead[K]
	key  K
	refs int // guarded by kb.mu
	g    gate
}

// NewKeyedBulkhead returns a KeyedBulkhead of n places per key, for at most
// maxKeys keys in use at once (0: [DefaultMaxKeys]). n must be >= 1,
// maxKeys >= 0.
func NewKeyedBulkhead[K comparable](n, maxKeys int, opts ...BulkheadOption) (*KeyedBulkhead[K], error) {
	if n < 1 {
		return nil, fmt.Errorf("limit: NewKeyedBulkhead: limit must be >= 1, got %d", n)
	}
	if maxKeys < 0 {
		return nil, fmt.Errorf("limit: NewKeyedBulkhead: maxKeys must be >= 0, got %d", maxKeys)
	}
	if maxKeys == 0 {
		maxKeys = DefaultMaxKeys
	}
	c := defaultConfig()
	if err := apply(&c, opts, func(o BulkheadOption) func(*config) error { return o.bulkhead }); err != nil {
		return nil, err
	}
	kb := &KeyedBulkhead[K]{keys: make(map[K]*keyed[K]), n: n, maxKeys: maxKeys, cfg: c, base: c.wallNow()}
	kb.rejectErr = &LimitedError{By: "keyed bulkhead", After: c.retryAfter}
	kb.pool.New = func() any { return &keyed[K]{kb: kb} }
	return kb, nil
}

// Acquire admits a call for key, as [Bulkhead.Acquire] does for one
// bulkhead; it also rejects the call when maxKeys other keys are in use.
func (kb *KeyedBulkhead[K]) Acquire(ctx context.Context, key K) (Permit, error) {
	if ctx == nil {
		return Permit{}, errNilContext
	}
	e, err := kb.ref(key)
	if err != nil {
		return Permit{}, err
	}
	if err := e.g.acquire(ctx); err != nil {
		kb.unref(e)
		return Permit{}, err
	}
	return Permit{r: e}, nil
}

// TryAcquire admits a call for key if one of its places is free now.
func (kb *KeyedBulkhead[K]) TryAcquire(key K) (Permit, error) {
	e, err := kb.ref(key)
	if err != nil {
		return Permit{}, err
	}
	if err := e.g.try(); err != nil {
		kb.unref(e)
		return Permit{}, err
	}
	return Permit{r: e}, nil
}

// Do runs fn with a place of key acquired by [KeyedBulkhead.Acquire].
func (kb *KeyedBulkhead[K]) Do(ctx context.Context, key K, fn func(context.Context) error) error {
	if ctx == nil {
		return errNilContext
	}
	if fn == nil {
		return errNilFunc
	}
	p, err := kb.Acquire(ctx, key)
	if err != nil {
		return err
	}
	return do(ctx, p, fn)
}

// Keys returns the number of keys in use: with a call in flight or
// waiting.
func (kb *KeyedBulkhead[K]) Keys() int {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	return len(kb.keys)
}

// ref returns key's bulkhead, counting one more call on it.
func (kb *KeyedBulkhead[K]) ref(key K) (*keyed[K], error) {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	e, ok := kb.keys[key]
	if !ok {
		if len(kb.keys) >= kb.maxKeys {
			return nil, kb.rejectErr
		}
		e = kb.pool.Get().(*keyed[K])
		e.key = key
		e.g = gate{}
		e.g.init(kb.n, &kb.cfg, kb.rejectErr, kb.base)
		kb.keys[key] = e
	}
	e.refs++
	return e, nil
}

// unref counts one call less on e, and drops e when none is left.
func (kb *KeyedBulkhead[K]) unref(e *keyed[K]) {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	e.refs--
	if e.refs == 0 {
		delete(kb.keys, e.key)
		var zero K
		e.key = zero
		kb.pool.Put(e)
	}
}

// release ends a call of the key. A release that ended no call (a copy
// of a Permit released twice, a misuse) leaves the key's count alone: a
// count below zero would keep the key from ever being dropped.
func (e *keyed[K]) release(int64, error) {
	e.g.mu.Lock()
	ended := e.g.releaseLocked()
	e.g.mu.Unlock()
	if ended {
		e.kb.unref(e)
	}
}
