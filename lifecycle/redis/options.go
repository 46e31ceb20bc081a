package redis

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Defaults of a [Lease] built without options.
const (
	// DefaultTTL is how long a lease lasts without renewal.
	DefaultTTL = 15 * time.Second

	// DefaultPrefix is put before the lease's keys.
	DefaultPrefix = "holdfast:lease:"

	// MinTTL is the shortest TTL [WithTTL] accepts: Redis counts the
	// lease's time in milliseconds, and a holder needs some of it to renew.
	MinTTL = 10 * time.Millisecond
)

// Option configures a [Lease]; pass options to [New]. A bad value makes
// New return an error naming the option and the value.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options set.
type config struct {
	ttl    time.Duration
	renew  time.Duration // 0: ttl/3
	prefix string
}

// WithTTL sets how long the lease lasts on Redis without a renewal: how
// long the other replicas wait to take it over when its holder dies
// without giving it up. The holder renews it every third of it (see
// [WithRenewEvery]). ttl must be at least [MinTTL]; the default is
// [DefaultTTL].
func WithTTL(ttl time.Duration) Option {
	return optionFunc(func(c *config) error {
		if ttl < MinTTL {
			return fmt.Errorf("lifecycle/redis: WithTTL: ttl must be >= %v, got %v", MinTTL, ttl)
		}
		c.ttl = ttl
		return nil
	})
}

// WithRenewEvery sets how often the holder renews the lease. It must be
// > 0 and shorter than 9/10 of the TTL (the holder gives the lease up at
// 9/10 of the TTL after its last renewal); [New] checks it against the
// TTL. The default is a third of the TTL: two renewals may fail before
// the holder gives up.
func WithRenewEvery(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("lifecycle/redis: WithRenewEvery: interval must be > 0, got %v", d)
		}
		c.renew = d
		return nil
	})
}

// WithPrefix sets the prefix of the lease's keys, so that several services
// can share a Redis. It may be empty; it must not contain '{' or '}', since
// the lease puts its name in a hash tag. The default is [DefaultPrefix].
func WithPrefix(prefix string) Option {
	return optionFunc(func(c *config) error {
		if strings.ContainsAny(prefix, "{}") {
			return fmt.Errorf("lifecycle/redis: WithPrefix: prefix must not contain '{' or '}', got %q", prefix)
		}
		c.prefix = prefix
		return nil
	})
}

// newConfig applies opts to the defaults and checks them together.
func newConfig(opts []Option) (config, error) {
	c := config{ttl: DefaultTTL, prefix: DefaultPrefix}
	for _, o := range opts {
		if o == nil {
			return config{}, errors.New("lifecycle/redis: nil Option")
		}
		if err := o.apply(&c); err != nil {
			return config{}, err
		}
	}
	if c.renew == 0 {
		c.renew = c.ttl / 3
	}
	if c.renew >= c.valid() {
		return config{}, fmt.Errorf("lifecycle/redis: WithRenewEvery: interval must be < 9/10 of the TTL (%v), got %v", c.valid(), c.renew)
	}
	return c, nil
}

// valid is how long after sending a renewal the holder counts on the
// lease: 9/10 of the TTL. The tenth kept back lets fn notice that its ctx
// is cancelled before the lease can expire on Redis and pass to another
// holder, and covers clocks that run at slightly different rates.
func (c *config) valid() time.Duration { return c.ttl - c.ttl/10 }
