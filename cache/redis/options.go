package redis

import (
	"fmt"
	"strings"
)

// DefaultPrefix is the prefix of every key and channel name of a [Store]
// built without [WithPrefix].
const DefaultPrefix = "holdfast:"

// Option configures a [Store]. Options are validated when [New] applies
// them: a bad value makes New return an error naming the option.
type Option interface {
	apply(*config) error
}

type config struct {
	prefix      string
	channelSize int
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// WithPrefix sets the prefix that the [Store] puts before every key and
// pub/sub channel name, so that several applications, or several caches of
// one application, can share a Redis without their keys colliding. It may
// be empty; it must not contain a hash tag ("{...}"), which would send every
// key of a Cluster to one slot. The default is [DefaultPrefix].
func WithPrefix(prefix string) Option {
	return optionFunc(func(c *config) error {
		if i := strings.IndexByte(prefix, '{'); i >= 0 && strings.IndexByte(prefix[i:], '}') > 1 {
			return fmt.Errorf("cache/redis: WithPrefix: prefix must not contain a hash tag, got %q", prefix)
		}
		c.prefix = prefix
		return nil
	})
}

// DefaultChannelSize is the subscription buffer of a [Store] built
// without [WithChannelSize].
const DefaultChannelSize = 1024

// MaxChannelSize is the largest subscription buffer [WithChannelSize]
// accepts. The buffers are allocated when a Cache subscribes (go-redis's
// and the Store's, about 32 bytes a message in all: 2 MiB at the maximum),
// so a size is bounded rather than taken on trust.
const MaxChannelSize = 1 << 16

// WithChannelSize sets how many pub/sub messages a subscription buffers
// before go-redis waits for the receiver (1 <= n <= [MaxChannelSize]).
// go-redis drops a message that waits for a minute. The default is
// [DefaultChannelSize].
func WithChannelSize(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 || n > MaxChannelSize {
			return fmt.Errorf("cache/redis: WithChannelSize: size must be in [1, MaxChannelSize (%d)], got %d", MaxChannelSize, n)
		}
		c.channelSize = n
		return nil
	})
}
