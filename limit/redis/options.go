package redis

import (
	"errors"
	"fmt"
	"time"
)

// DefaultPrefix is put before every key unless [WithPrefix] says
// otherwise.
const DefaultPrefix = "holdfast:limit:"

// Defaults of the handling of a Redis that fails.
const (
	// DefaultTimeout bounds each Redis call ([WithTimeout]).
	DefaultTimeout = 250 * time.Millisecond
	// DefaultCooldown is how long the limiter leaves Redis alone after it
	// failed ([WithCooldown]).
	DefaultCooldown = time.Second
)

// An Option configures [New].
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

type config struct {
	prefix   string
	share    float64 // > 0: fail open at this share of the limit
	maxKeys  int
	timeout  time.Duration
	cooldown time.Duration
}

func newConfig(opts []Option) (config, error) {
	c := config{prefix: DefaultPrefix, timeout: DefaultTimeout, cooldown: DefaultCooldown}
	for _, o := range opts {
		if o == nil {
			return config{}, errors.New("limit/redis: nil Option")
		}
		if err := o.apply(&c); err != nil {
			return config{}, err
		}
	}
	return c, nil
}

// WithPrefix sets the prefix of every Redis key (default [DefaultPrefix]).
// Each decision touches one key, prefix + key, so the script is safe on
// Redis Cluster whatever the keys; a prefix with a hash tag ("{limits}:")
// would put every key in one slot, on one node, and is best avoided.
func WithPrefix(p string) Option {
	return optionFunc(func(c *config) error {
		c.prefix = p
		return nil
	})
}

// WithFailOpen makes the limiter fail open when Redis cannot be reached:
// decisions are then made in this process by a rate limit per key
// (limit.KeyedRate, on golang.org/x/time/rate) at share of the limit's
// rate and burst, holding at most maxKeys keys (0: limit.DefaultMaxKeys).
// With N replicas, share 1/N keeps the total near the limit while every
// replica is up. share must be in (0, 1]. By default the limiter fails
// closed: AllowN returns the Redis error and nothing is allowed.
func WithFailOpen(share float64, maxKeys int) Option {
	return optionFunc(func(c *config) error {
		if !(share > 0 && share <= 1) {
			return fmt.Errorf("limit/redis: WithFailOpen: share must be in (0, 1], got %v", share)
		}
		if maxKeys < 0 {
			return fmt.Errorf("limit/redis: WithFailOpen: maxKeys must be >= 0, got %d", maxKeys)
		}
		c.share, c.maxKeys = share, maxKeys
		return nil
	})
}

// WithTimeout bounds each Redis call (default [DefaultTimeout]): a Redis
// slower than d counts as failed, and the policy decides, while the
// caller's ctx still has time. d must be > 0.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("limit/redis: WithTimeout must be > 0, got %v", d)
		}
		c.timeout = d
		return nil
	})
}

// WithCooldown sets how long, after a Redis call failed, the limiter
// decides by its policy without calling Redis (default [DefaultCooldown]),
// so that an outage does not cost every request a timeout. The first call
// after the cooldown tries Redis again. d must be >= 0 (0: try Redis on
// every call).
func WithCooldown(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("limit/redis: WithCooldown must be >= 0, got %v", d)
		}
		c.cooldown = d
		return nil
	})
}
