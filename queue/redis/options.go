package redis

import (
	"fmt"
	"strings"
	"time"
)

// DefaultPrefix is the prefix of every key of a queue built without
// [WithPrefix].
const DefaultPrefix = "holdfast:queue:"

// Defaults of the options.
const (
	DefaultMaxLen            = 100_000
	DefaultWorkers           = 8
	DefaultBatchSize         = 16
	DefaultVisibilityTimeout = 30 * time.Second
	DefaultMaxDeliveries     = 10
	DefaultBlock             = time.Second
	DefaultRetryBase         = time.Second
	DefaultRetryMax          = 10 * time.Minute
)

// Limits of the options: a size above its limit is an error, so that no
// option makes the package allocate in proportion to a typo.
const (
	MaxWorkers   = 10_000
	MaxBatchSize = 10_000
)

// ProducerOption configures a [Producer]; pass it to [NewProducer].
type ProducerOption interface {
	applyProducer(*producerConfig) error
}

// ConsumerOption configures a [Consumer]; pass it to [NewConsumer].
type ConsumerOption interface {
	applyConsumer(*consumerConfig) error
}

// Option configures both a [Producer] and a [Consumer]; producers and
// consumers of one queue must agree on it.
type Option interface {
	ProducerOption
	ConsumerOption
}

// common is what both producers and consumers read.
type common struct {
	prefix    string
	codec     Codec
	warnEvict bool
}

func defaultCommon() common { return common{prefix: DefaultPrefix, codec: JSONCodec{}} }

type producerConfig struct {
	common
	maxLen   int64
	waitFull bool
}

type consumerConfig struct {
	common
	workers       int
	batch         int
	visibility    time.Duration
	maxDeliveries int
	block         time.Duration
	retryBase     time.Duration
	retryMax      time.Duration
	onError       func(id string, err error)
}

type commonOption func(*common) error

func (f commonOption) applyProducer(c *producerConfig) error { return f(&c.common) }
func (f commonOption) applyConsumer(c *consumerConfig) error { return f(&c.common) }

type producerOption func(*producerConfig) error

func (f producerOption) applyProducer(c *producerConfig) error { return f(c) }

type consumerOption func(*consumerConfig) error

func (f consumerOption) applyConsumer(c *consumerConfig) error { return f(c) }

// WithPrefix sets the prefix of the queue's keys (default [DefaultPrefix]),
// so that several applications can share a Redis. It must not contain a
// hash tag: the package puts the stream name in one, so that every key of a
// queue is in one Cluster slot.
func WithPrefix(prefix string) Option {
	return commonOption(func(c *common) error {
		if strings.ContainsAny(prefix, "{}") {
			return fmt.Errorf("queue/redis: WithPrefix: prefix must not contain '{' or '}', got %q", prefix)
		}
		c.prefix = prefix
		return nil
	})
}

// WithCodec sets how jobs are encoded: [JSONCodec] (the default), or
// [RawCodec] for []byte and string jobs.
func WithCodec(codec Codec) Option {
	return commonOption(func(c *common) error {
		if codec == nil {
			return fmt.Errorf("queue/redis: WithCodec: codec must not be nil")
		}
		c.codec = codec
		return nil
	})
}

// WithEvictionWarning makes a Redis whose maxmemory-policy is not
// noeviction (or whose policy cannot be read: CONFIG may be disabled on a
// managed Redis) a warning, logged with log/slog, instead of the error
// [ErrEvicting]. Use it only where you know that the Redis never reaches
// its maxmemory.
func WithEvictionWarning() Option {
	return commonOption(func(c *common) error {
		c.warnEvict = true
		return nil
	})
}

// WithMaxLen bounds the stream to n entries (default [DefaultMaxLen]).
// When it is reached, Enqueue trims the entries every consumer group has
// acknowledged, and never one still pending or not yet read; if that does
// not make room it returns [ErrFull] (or waits: [WithWaitWhenFull]). Jobs
// waiting for their time (delayed or retried) count towards n.
func WithMaxLen(n int64) ProducerOption {
	return producerOption(func(c *producerConfig) error {
		if n < 1 {
			return fmt.Errorf("queue/redis: WithMaxLen: length must be > 0, got %d", n)
		}
		c.maxLen = n
		return nil
	})
}

// WithWaitWhenFull makes Enqueue wait for room, polling with backoff,
// until its ctx is done, instead of returning [ErrFull].
func WithWaitWhenFull() ProducerOption {
	return producerOption(func(c *producerConfig) error {
		c.waitFull = true
		return nil
	})
}

// WithWorkers sets how many handlers run at once (default
// [DefaultWorkers]; 1 to [MaxWorkers]).
func WithWorkers(n int) ConsumerOption {
	return consumerOption(func(c *consumerConfig) error {
		if n < 1 || n > MaxWorkers {
			return fmt.Errorf("queue/redis: WithWorkers: workers must be in [1, %d], got %d", MaxWorkers, n)
		}
		c.workers = n
		return nil
	})
}

// WithBatchSize sets how many entries one XREADGROUP (COUNT) reads and how
// many read entries may wait for a free worker (default
// [DefaultBatchSize]; 1 to [MaxBatchSize]).
func WithBatchSize(n int) ConsumerOption {
	return consumerOption(func(c *consumerConfig) error {
		if n < 1 || n > MaxBatchSize {
			return fmt.Errorf("queue/redis: WithBatchSize: size must be in [1, %d], got %d", MaxBatchSize, n)
		}
		c.batch = n
		return nil
	})
}

// WithVisibilityTimeout sets how long an entry may go without its
// consumer's heartbeat before another consumer reclaims it (default
// [DefaultVisibilityTimeout]). The heartbeat renews every lease a third of
// d; see "Sizing the visibility timeout" in the package doc. d must be at
// least 10ms.
func WithVisibilityTimeout(d time.Duration) ConsumerOption {
	return consumerOption(func(c *consumerConfig) error {
		if d < 10*time.Millisecond {
			return fmt.Errorf("queue/redis: WithVisibilityTimeout: timeout must be >= 10ms, got %v", d)
		}
		c.visibility = d
		return nil
	})
}

// WithMaxDeliveries sets how many times a job is delivered (run, or lost
// with a crashed consumer) before it goes to the dead letters (default
// [DefaultMaxDeliveries]; at least 1).
func WithMaxDeliveries(n int) ConsumerOption {
	return consumerOption(func(c *consumerConfig) error {
		if n < 1 {
			return fmt.Errorf("queue/redis: WithMaxDeliveries: deliveries must be > 0, got %d", n)
		}
		c.maxDeliveries = n
		return nil
	})
}

// WithBlock sets how long one XREADGROUP waits for entries (default
// [DefaultBlock]; 1ms to 1m). It bounds how late a delayed job can start
// when the stream is idle, and how long Shutdown waits for the reader.
func WithBlock(d time.Duration) ConsumerOption {
	return consumerOption(func(c *consumerConfig) error {
		if d < time.Millisecond || d > time.Minute {
			return fmt.Errorf("queue/redis: WithBlock: block must be in [1ms, 1m], got %v", d)
		}
		c.block = d
		return nil
	})
}

// WithRetryBackoff sets the delay before a failed job runs again: full
// jitter over base·2^(deliveries-1), capped at max (defaults
// [DefaultRetryBase] and [DefaultRetryMax]). base must be > 0 and max >=
// base.
func WithRetryBackoff(base, max time.Duration) ConsumerOption {
	return consumerOption(func(c *consumerConfig) error {
		if base <= 0 || max < base {
			return fmt.Errorf("queue/redis: WithRetryBackoff: want 0 < base <= max, got base %v, max %v", base, max)
		}
		c.retryBase, c.retryMax = base, max
		return nil
	})
}

// WithOnError sets a hook called with the job ID and the error of every
// failed delivery (a *[PanicError] for a panic), after the job was
// scheduled for retry or dead-lettered, on the worker's goroutine.
func WithOnError(fn func(id string, err error)) ConsumerOption {
	return consumerOption(func(c *consumerConfig) error {
		if fn == nil {
			return fmt.Errorf("queue/redis: WithOnError: hook must not be nil")
		}
		c.onError = fn
		return nil
	})
}

// EnqueueOption configures one [Producer.Enqueue] or [Producer.EnqueueBatch].
type EnqueueOption interface {
	applyEnqueue(*enqueueConfig) error
}

type enqueueConfig struct {
	delay  time.Duration
	at     time.Time
	unique string
}

type enqueueOption func(*enqueueConfig) error

func (f enqueueOption) applyEnqueue(c *enqueueConfig) error { return f(c) }

// WithDelay makes the job run no earlier than d from now, as Redis's clock
// reads it. d must not be negative.
func WithDelay(d time.Duration) EnqueueOption {
	return enqueueOption(func(c *enqueueConfig) error {
		if d < 0 {
			return fmt.Errorf("queue/redis: WithDelay: delay must be >= 0, got %v", d)
		}
		c.delay = d
		return nil
	})
}

// WithRunAt makes the job run no earlier than t, compared with Redis's
// clock. A t in the past runs the job now.
func WithRunAt(t time.Time) EnqueueOption {
	return enqueueOption(func(c *enqueueConfig) error {
		c.at = t
		return nil
	})
}

// WithUniqueKey makes Enqueue a no-op, returning the existing job's ID,
// while a job enqueued with the same key is pending (not yet handled or
// dead-lettered). Not for EnqueueBatch. key must not be empty.
func WithUniqueKey(key string) EnqueueOption {
	return enqueueOption(func(c *enqueueConfig) error {
		if key == "" {
			return fmt.Errorf("queue/redis: WithUniqueKey: key must not be empty")
		}
		c.unique = key
		return nil
	})
}
