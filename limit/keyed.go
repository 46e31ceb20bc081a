package limit

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys is the number of keys a [KeyedRate] holds at most when
// [NewKeyedRate] is given 0.
const DefaultMaxKeys = 100_000

// KeyedRate is a rate limit per key (a tenant, a user, an IP) in one
// process: each key has its own token bucket, a golang.org/x/time/rate
// Limiter of r tokens a second with burst b, made on the key's first call.
//
// Memory is bounded. A key whose bucket is full again (idle for b/r
// seconds) carries no state worth keeping: forgetting it and starting a
// new bucket gives the same decisions. Such keys are swept when the map
// doubles (and, once full, every maxKeys/2 new keys). A new key that finds
// the map full between two sweeps displaces a key at random, which may be
// an active one, even while idle keys wait for the next sweep: that key
// then bursts again. Size maxKeys well above the keys active at once
// (twice or more) to make this rare; [KeyedRate.Stats] counts it.
//
// A KeyedRate is safe for concurrent use. A decision on a known key takes
// one lock for the map and the bucket's own, and allocates nothing.
type KeyedRate[K comparable] struct {
	mu        sync.Mutex
	keys      map[K]*rate.Limiter
	r         rate.Limit
	b         int
	maxKeys   int
	nextSweep int
	inserts   int // keys made since the last sweep
	displaced uint64
}

// NewKeyedRate returns a KeyedRate of r tokens a second and burst b per
// key, holding at most maxKeys keys (0: [DefaultMaxKeys]). r must be > 0,
// b >= 1, maxKeys >= 0.
func NewKeyedRate[K comparable](r rate.Limit, b, maxKeys int) (*KeyedRate[K], error) {
	if !(r > 0) {
		return nil, fmt.Errorf("limit: NewKeyedRate: rate must be > 0, got %v", r)
	}
	if b < 1 {
		return nil, fmt.Errorf("limit: NewKeyedRate: burst must be >= 1, got %d", b)
	}
	if maxKeys < 0 {
		return nil, fmt.Errorf("limit: NewKeyedRate: maxKeys must be >= 0, got %d", maxKeys)
	}
	if maxKeys == 0 {
		maxKeys = DefaultMaxKeys
	}
	return &KeyedRate[K]{keys: make(map[K]*rate.Limiter), r: r, b: b, maxKeys: maxKeys, nextSweep: 64}, nil
}

// Allow is shorthand for AllowN(time.Now(), key, 1).
func (k *KeyedRate[K]) Allow(key K) error { return k.AllowN(time.Now(), key, 1) }

// AllowN takes n tokens from key's bucket at time now if it holds them
// and returns nil; else it takes none and returns a [*LimitedError]
// (matching [ErrLimited]) whose RetryAfter is how long until n tokens are
// there. n above the burst is never allowed; n below 1 is an error that
// does not match ErrLimited.
func (k *KeyedRate[K]) AllowN(now time.Time, key K, n int) error {
	if n < 1 {
		return fmt.Errorf("limit: KeyedRate.AllowN: n must be >= 1, got %d", n)
	}
	lim := k.limiter(now, key)
	if lim.AllowN(now, n) {
		return nil
	}
	return &LimitedError{By: "rate", After: k.wait(lim, now, n)}
}

// wait is how long until lim holds n tokens.
func (k *KeyedRate[K]) wait(lim *rate.Limiter, now time.Time, n int) time.Duration {
	missing := float64(n) - lim.TokensAt(now)
	if n > k.b {
		// Never: say how long n tokens take to come in from empty, more
		// than any wait for n <= b.
		missing = float64(n)
	}
	return time.Duration(missing / float64(k.r) * float64(time.Second))
}

// KeyedStats is a snapshot of a [KeyedRate].
type KeyedStats struct {
	// Keys is the number of keys held now.
	Keys int
	// Displaced is the number of active keys forgotten to make room.
	Displaced uint64
}

// Stats returns a snapshot of the keys held.
func (k *KeyedRate[K]) Stats() KeyedStats {
	k.mu.Lock()
	defer k.mu.Unlock()
	return KeyedStats{Keys: len(k.keys), Displaced: k.displaced}
}

// limiter returns key's bucket, making it if need be.
func (k *KeyedRate[K]) limiter(now time.Time, key K) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	if lim, ok := k.keys[key]; ok {
		return lim
	}
	// Sweep when the map has doubled, or when it is full and has taken
	// maxKeys/2 keys since the last sweep: each key made pays for about
	// two entries visited.
	full := len(k.keys) >= k.maxKeys
	if len(k.keys) >= k.nextSweep || (full && k.inserts >= k.maxKeys/2) {
		k.sweepLocked(now)
	}
	k.inserts++
	if len(k.keys) >= k.maxKeys {
		for victim, lim := range k.keys { // map order is random
			if lim.TokensAt(now) < float64(k.b) {
				k.displaced++ // an active key
			}
			delete(k.keys, victim)
			break
		}
	}
	lim := rate.NewLimiter(k.r, k.b)
	k.keys[key] = lim
	return lim
}

// sweepLocked forgets the keys whose bucket is full, and sets the size at
// which the next sweep runs to twice what is left.
func (k *KeyedRate[K]) sweepLocked(now time.Time) {
	for key, lim := range k.keys {
		if lim.TokensAt(now) >= float64(k.b) {
			delete(k.keys, key)
		}
	}
	k.nextSweep = max(2*len(k.keys), 64)
	k.inserts = 0
}
