package local

import (
	"errors"
	"fmt"
	"math/bits"
	"reflect"
	"runtime"
	"time"
)

// DefaultMaxEntries is the bound of a [Cache] built without
// [WithMaxEntries] or [WithMaxCost].
const DefaultMaxEntries = 10_000

// MaxShards is the largest shard count [WithShards] accepts.
const MaxShards = 1 << 12

// DefaultMaxShards caps the default shard count: shards spread only the
// locking of writes, and each costs memory (see [WithShards]).
const DefaultMaxShards = 64

// Option configures a [Cache]. Options are validated when [New] applies
// them: a bad value makes New return an error naming the option.
type Option interface {
	apply(*config) error
}

// config is the configuration that [Option] values fill in.
type config struct {
	maxEntries int
	maxCost    int64
	weigher    any // func(K, V) int64, checked by New
	onEvict    any // func(K, V, Reason), checked by New
	ttl        time.Duration
	jitter     float64
	shards     int
}

// optionFunc adapts a function to [Option].
type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// WithMaxEntries bounds a [Cache] to n entries (n >= 1): once the Sets
// have returned, it holds at most n, and it holds all of them as long as no
// more than n distinct keys were stored. It is the default bound, with n =
// [DefaultMaxEntries]. It cannot be combined with [WithMaxCost].
func WithMaxEntries(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("local: WithMaxEntries: bound must be >= 1, got %d", n)
		}
		if c.maxCost != 0 {
			return errors.New("local: WithMaxEntries: cannot be combined with WithMaxCost")
		}
		c.maxEntries = n
		return nil
	})
}

// WithMaxCost bounds a [Cache] by the total cost of its entries (n >= 1),
// each entry costing what weigher says (its size in bytes, say). The weigher
// is called once per Set, outside any lock; a cost of 0 counts as 1, and a
// negative cost or one above n makes the Set fail with a [*CostError]. K and
// V must be the type parameters of the Cache it configures, or [New] returns
// an error. It cannot be combined with [WithMaxEntries].
func WithMaxCost[K comparable, V any](n int64, weigher func(K, V) int64) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("local: WithMaxCost: bound must be >= 1, got %d", n)
		}
		if weigher == nil {
			return errors.New("local: WithMaxCost: weigher must not be nil")
		}
		if c.maxEntries != 0 {
			return errors.New("local: WithMaxCost: cannot be combined with WithMaxEntries")
		}
		c.maxCost, c.weigher = n, weigher
		return nil
	})
}

// WithTTL sets the default time to live of entries stored by [Cache.Set]
// (d >= 0; 0, the default, means entries do not expire).
func WithTTL(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("local: WithTTL: ttl must be >= 0, got %v", d)
		}
		c.ttl = d
		return nil
	})
}

// WithTTLJitter shortens every entry's time to live by a random fraction of
// it, up to f (0 <= f <= 1), so that entries written together do not all
// expire together: with f = 0.1 a one-minute TTL becomes a value drawn
// uniformly between 54 and 60 seconds. Jitter never lengthens a TTL.
// The default is 0.
func WithTTLJitter(f float64) Option {
	return optionFunc(func(c *config) error {
		if !(f >= 0 && f <= 1) {
			return fmt.Errorf("local: WithTTLJitter: jitter must be in [0, 1], got %v", f)
		}
		c.jitter = f
		return nil
	})
}

// WithShards sets the number of shards of the index, a power of two between
// 1 and [MaxShards]. Each shard has its own lock, so more shards let more
// goroutines store at once; they do not change what the cache holds, since
// one eviction policy decides over the whole bound. The default is
// 4 × GOMAXPROCS rounded up to a power of two, at most [DefaultMaxShards].
// Each shard costs 128 bytes plus 64 per stripe of its readers' counts, of
// which it has 4 × GOMAXPROCS rounded up to a power of two, at most 64.
func WithShards(n int) Option {
	return optionFunc(func(c *config) error {
		if err := CheckShards(n); err != nil {
			return fmt.Errorf("local: WithShards: %w", err)
		}
		c.shards = n
		return nil
	})
}

// CheckShards returns an error unless n is a power of two between 1 and
// [MaxShards]: a valid argument of [WithShards]. Packages that pass a shard
// count through to a Cache use it to validate their own option.
func CheckShards(n int) error {
	if n < 1 || n > MaxShards || n&(n-1) != 0 {
		return fmt.Errorf("shards must be a power of two in [1, %d], got %d", MaxShards, n)
	}
	return nil
}

// WithOnEvict sets a function called once for every entry that leaves a
// [Cache], with the reason it left. It is called after the cache's locks are
// released, on the goroutine whose call removed the entry (a Set that made
// room, a Get or Set that found the entry expired, a Delete, a Clear), so it
// may use the cache, and it slows that call down by its own cost. If it
// panics, the panic propagates to that call and the hook is not called for
// the other entries that call removed. K and V must be the type parameters of
// the Cache it configures, or [New] returns an error.
func WithOnEvict[K comparable, V any](f func(K, V, Reason)) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return errors.New("local: WithOnEvict: function must not be nil")
		}
		c.onEvict = f
		return nil
	})
}

// typedFunc returns the function stored by the option named name as a T,
// or an error naming the option and both types.
func typedFunc[T any](name string, f any, target string) (T, error) {
	var zero T
	if f == nil {
		return zero, nil
	}
	g, ok := f.(T)
	if !ok {
		return zero, fmt.Errorf("local: %s: function of type %T does not fit %s, which needs %v",
			name, f, target, reflect.TypeFor[T]())
	}
	return g, nil
}

// bound returns the bound of the cache in cost units.
func (c *config) bound() int64 {
	switch {
	case c.maxCost != 0:
		return c.maxCost
	case c.maxEntries != 0:
		return int64(c.maxEntries)
	default:
		return DefaultMaxEntries
	}
}

// shardCount returns the number of shards.
func (c *config) shardCount() int {
	if c.shards != 0 {
		return c.shards
	}
	return min(1<<bits.Len(uint(4*runtime.GOMAXPROCS(0)-1)), DefaultMaxShards)
}
