package redis

import (
	"fmt"
	"strings"
)

// DefaultPrefix is the prefix of every key of a [Store] built without
// [WithPrefix].
const DefaultPrefix = "holdfast:idem:"

// Option configures a [Store]. Options are validated when [New] applies
// them: a bad value makes New return an error naming the option.
type Option interface {
	apply(*config) error
}

type config struct {
	prefix string
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// WithPrefix sets the prefix put before every key, so that several
// applications or Groups can share a Redis. It may be empty; it must not
// hold '{' or '}', which would change the key's hash tag. The default is
// [DefaultPrefix].
func WithPrefix(prefix string) Option {
	return optionFunc(func(c *config) error {
		if strings.ContainsAny(prefix, "{}") {
			return fmt.Errorf("idempotency/redis: WithPrefix: prefix must not contain '{' or '}', got %q", prefix)
		}
		c.prefix = prefix
		return nil
	})
}
