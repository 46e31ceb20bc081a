package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/holdfast-go/holdfast/cache/local"
)

// Defaults of a [Cache].
const (
	// DefaultLocalTTL is how long a value stays fresh in the local tier
	// without [WithLocalTTL] (or the remote ttl, if that is shorter).
	DefaultLocalTTL = 30 * time.Second
	// DefaultRemoteTTL is how long a value stays fresh in the Store
	// without [WithRemoteTTL].
	DefaultRemoteTTL = 10 * time.Minute
	// DefaultJitter is the largest fraction cut from a ttl without
	// [WithJitter].
	DefaultJitter = 0.1
	// DefaultLoadTimeout bounds a load without [WithLoadTimeout].
	DefaultLoadTimeout = 10 * time.Second
	// DefaultRemoteTimeout bounds a Store call without [WithRemoteTimeout].
	DefaultRemoteTimeout = 200 * time.Millisecond
	// DefaultChannel is the invalidation channel without [WithInvalidation].
	DefaultChannel = "invalidate"
)

// Option configures a [Cache]. Options are validated when [New] applies
// them: a bad value makes New return an error naming the option.
type Option interface {
	apply(*config) error
}

// config is what [Option] values fill in.
type config struct {
	store         Store
	localOpts     []local.Option
	localBound    string // the option that bounded the local tier, if any
	localCost     int64  // WithLocalCost's bound
	weigher       any    // WithLocalCost's func(string, V) int64, checked by New
	noLocal       bool
	localTTL      time.Duration // 0: not set
	remoteTTL     time.Duration
	jitter        float64
	grace         time.Duration
	early         time.Duration
	negativeTTL   time.Duration
	codec         Codec
	loadTimeout   time.Duration
	remoteTimeout time.Duration
	guard         func(context.Context, func(context.Context) error) error
	channel       string
	namespace     string
	onRemoteError func(op string, err error)
	onInvalidate  func(keys []string)
	observer      Observer
}

func defaultConfig() config {
	return config{
		remoteTTL:     DefaultRemoteTTL,
		jitter:        DefaultJitter,
		codec:         JSONCodec{},
		loadTimeout:   DefaultLoadTimeout,
		remoteTimeout: DefaultRemoteTimeout,
		channel:       DefaultChannel,
	}
}

// finish checks the options against each other and fills in what depends
// on several of them.
func (c *config) finish() error {
	if c.localTTL == 0 {
		c.localTTL = min(DefaultLocalTTL, c.remoteTTL)
	}
	if c.localTTL > c.remoteTTL {
		return fmt.Errorf("cache: WithLocalTTL: local ttl %v is longer than the remote ttl %v", c.localTTL, c.remoteTTL)
	}
	if c.early >= c.localTTL {
		return fmt.Errorf("cache: WithEarlyRefresh: %v must be shorter than the local ttl %v", c.early, c.localTTL)
	}
	if c.noLocal && (len(c.localOpts) > 0 || c.weigher != nil) {
		return errors.New("cache: WithoutLocal: cannot be combined with options that size the local tier")
	}
	return nil
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// WithStore sets the shared tier. The default is a new [MemoryStore] of
// [DefaultMemoryStoreEntries] entries, private to the Cache; use the
// cache/redis package for a Store shared between processes. If the Store
// implements [PubSub], Caches on it invalidate each other's local tiers
// (see [WithInvalidation]).
func WithStore(s Store) Option {
	return optionFunc(func(c *config) error {
		if s == nil {
			return errors.New("cache: WithStore: store must not be nil")
		}
		c.store = s
		return nil
	})
}

// WithLocalEntries bounds the local tier to n entries (n >= 1), exactly:
// see [local.WithMaxEntries]. The default is [local.DefaultMaxEntries]. It
// cannot be combined with [WithLocalCost].
func WithLocalEntries(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("cache: WithLocalEntries: entries must be >= 1, got %d", n)
		}
		if err := c.boundLocal("WithLocalEntries"); err != nil {
			return err
		}
		c.localOpts = append(c.localOpts, local.WithMaxEntries(n))
		return nil
	})
}

// WithLocalCost bounds the local tier by the total cost of its values
// (maxCost >= 1), each costing what weigher says (its size in bytes, say).
// A value costing more than maxCost is not kept in the local tier. V must
// be the value type of the Cache it configures, or [New] returns an error.
// It cannot be combined with [WithLocalEntries].
func WithLocalCost[V any](maxCost int64, weigher func(key string, v V) int64) Option {
	return optionFunc(func(c *config) error {
		if maxCost < 1 {
			return fmt.Errorf("cache: WithLocalCost: cost must be >= 1, got %d", maxCost)
		}
		if weigher == nil {
			return errors.New("cache: WithLocalCost: weigher must not be nil")
		}
		if err := c.boundLocal("WithLocalCost"); err != nil {
			return err
		}
		c.localCost, c.weigher = maxCost, weigher
		return nil
	})
}

// boundLocal records option as the one that bounds the local tier: it
// cannot be combined with the other option that sets a bound.
func (c *config) boundLocal(option string) error {
	if c.localBound != "" && c.localBound != option {
		return fmt.Errorf("cache: %s: cannot be combined with %s", option, c.localBound)
	}
	c.localBound = option
	return nil
}

// WithLocalShards sets the number of shards of the local tier's index, a
// power of two (see [local.WithShards]): more let more goroutines store at
// once, and change nothing else.
func WithLocalShards(n int) Option {
	return optionFunc(func(c *config) error {
		if err := local.CheckShards(n); err != nil {
			return fmt.Errorf("cache: WithLocalShards: %w", err)
		}
		c.localOpts = append(c.localOpts, local.WithShards(n))
		return nil
	})
}

// WithoutLocal turns the local tier off: every read goes to the Store. It
// gives up the local tier's speed for the Store's consistency, and is the
// baseline the local tier is measured against.
func WithoutLocal() Option {
	return optionFunc(func(c *config) error {
		c.noLocal = true
		return nil
	})
}

// WithLocalTTL sets how long a value stays fresh in the local tier (d > 0):
// the longest a process can serve a value that another process has since
// changed, should the invalidation message be lost. It must not exceed the
// remote ttl. The default is [DefaultLocalTTL], or the remote ttl if that
// is shorter.
func WithLocalTTL(d time.Duration) Option {
	return positive("WithLocalTTL", "ttl", d, func(c *config) { c.localTTL = d })
}

// WithRemoteTTL sets how long a value stays fresh in the Store (d > 0): how
// long a loaded value is used before the loader is called again. The
// default is [DefaultRemoteTTL].
func WithRemoteTTL(d time.Duration) Option {
	return positive("WithRemoteTTL", "ttl", d, func(c *config) { c.remoteTTL = d })
}

// WithJitter shortens each ttl by a random fraction of it, up to f
// (0 <= f <= 1), so that values written together do not expire together.
// The default is [DefaultJitter].
func WithJitter(f float64) Option {
	return optionFunc(func(c *config) error {
		if !(f >= 0 && f <= 1) {
			return fmt.Errorf("cache: WithJitter: jitter must be in [0, 1], got %v", f)
		}
		c.jitter = f
		return nil
	})
}

// WithStaleGrace turns on stale-while-revalidate (d >= 0; 0, the default,
// turns it off): for d past its ttl, a value is still served by
// [Cache.GetOrLoad], which starts one background refresh of it and returns
// at once. [Cache.Get], which has no loader, never serves a stale value.
func WithStaleGrace(d time.Duration) Option {
	return nonNegative("WithStaleGrace", "grace period", d, func(c *config) { c.grace = d })
}

// WithEarlyRefresh makes [Cache.GetOrLoad] start one background refresh of
// a value that has less than d left before its ttl (d >= 0, shorter than the
// local ttl; 0, the default, turns it off), so that a value read often is
// replaced before it goes stale and no caller waits for the loader.
func WithEarlyRefresh(d time.Duration) Option {
	return nonNegative("WithEarlyRefresh", "window", d, func(c *config) { c.early = d })
}

// WithNegativeTTL turns on negative caching (d >= 0; 0, the default, turns
// it off): when a loader returns an error matching [ErrNotFound], the Cache
// remembers it for d in both tiers (the local tier for at most its own
// ttl), and answers [ErrNotFound] without calling a loader meanwhile.
func WithNegativeTTL(d time.Duration) Option {
	return nonNegative("WithNegativeTTL", "ttl", d, func(c *config) { c.negativeTTL = d })
}

// WithCodec sets how values are encoded for the Store. The default is
// [JSONCodec]; [RawCodec] suits string and []byte values.
func WithCodec(cd Codec) Option {
	return optionFunc(func(c *config) error {
		if cd == nil {
			return errors.New("cache: WithCodec: codec must not be nil")
		}
		c.codec = cd
		return nil
	})
}

// WithLoadTimeout bounds each load (d > 0): the loader, and the Store
// calls that save what it returned. A load runs under a context detached
// from its callers, so that the first caller's cancellation does not fail
// the others; this is its only deadline. The default is
// [DefaultLoadTimeout].
func WithLoadTimeout(d time.Duration) Option {
	return positive("WithLoadTimeout", "timeout", d, func(c *config) { c.loadTimeout = d })
}

// WithRemoteTimeout bounds every Store call (d > 0), within the caller's
// own deadline. A call that runs out counts as a remote error, and the
// Cache goes on without the shared tier. The default is
// [DefaultRemoteTimeout].
func WithRemoteTimeout(d time.Duration) Option {
	return positive("WithRemoteTimeout", "timeout", d, func(c *config) { c.remoteTimeout = d })
}

// WithRemoteGuard runs every Store call through guard, which calls call
// (or not) and returns its error (or its own). Its signature is that of
// breaker.(*Breaker).Do, so a circuit breaker plugs in as
// cache.WithRemoteGuard(b.Do), and a Cache whose Redis is down stops
// waiting for it. A missing key is not an error to the guard.
func WithRemoteGuard(guard func(ctx context.Context, call func(context.Context) error) error) Option {
	return optionFunc(func(c *config) error {
		if guard == nil {
			return errors.New("cache: WithRemoteGuard: guard must not be nil")
		}
		c.guard = guard
		return nil
	})
}

// WithInvalidation sets the [PubSub] channel on which Caches sharing a Store
// tell each other which keys they set or deleted (non-empty; the Store may
// prefix it). The default is [DefaultChannel]. Caches on one channel must
// use the same [WithNamespace] or different ones that are not prefixes of
// each other.
func WithInvalidation(channel string) Option {
	return optionFunc(func(c *config) error {
		if channel == "" {
			return errors.New("cache: WithInvalidation: channel must not be empty")
		}
		c.channel = channel
		return nil
	})
}

// WithNamespace puts prefix before every key the Cache gives its Store, so
// that Caches of different value types can share one Store. The default is
// no prefix.
func WithNamespace(prefix string) Option {
	return optionFunc(func(c *config) error {
		c.namespace = prefix
		return nil
	})
}

// WithOnRemoteError sets a function called with every Store failure that
// the Cache absorbed instead of returning, and with every value it could not
// decode or encode: op is "get", "set", "delete", "publish", "subscribe",
// "decode" or "encode". It is called on the goroutine that met the failure,
// so it must be quick; it must not call the Cache.
func WithOnRemoteError(f func(op string, err error)) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return errors.New("cache: WithOnRemoteError: function must not be nil")
		}
		c.onRemoteError = f
		return nil
	})
}

// WithOnInvalidate sets a function called on the Cache's subscriber
// goroutine each time a message from another Cache has made it drop keys
// from its local tier, with those keys, or with nil when it dropped the
// whole local tier because messages may have been lost. It must be quick.
func WithOnInvalidate(f func(keys []string)) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return errors.New("cache: WithOnInvalidate: function must not be nil")
		}
		c.onInvalidate = f
		return nil
	})
}

// positive returns an option that sets a duration which must be > 0,
// through set; option and what name it in the error.
func positive(option, what string, d time.Duration, set func(*config)) Option {
	return durationOption(d > 0, "> 0", option, what, d, set)
}

// nonNegative is [positive] for a duration which must be >= 0.
func nonNegative(option, what string, d time.Duration, set func(*config)) Option {
	return durationOption(d >= 0, ">= 0", option, what, d, set)
}

func durationOption(ok bool, bound, option, what string, d time.Duration, set func(*config)) Option {
	return optionFunc(func(c *config) error {
		if !ok {
			return fmt.Errorf("cache: %s: %s must be %s, got %v", option, what, bound, d)
		}
		set(c)
		return nil
	})
}
