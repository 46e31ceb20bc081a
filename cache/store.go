package cache

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound reports that a key is in neither tier of a [Cache], that a
// [Store] does not hold a key, or, returned by a loader, that the source
// does not have the key (which [WithNegativeTTL] lets the Cache remember).
var ErrNotFound = errors.New("cache: not found")

// Store is the shared tier of a [Cache]: a key-value store of bytes with a
// time to live, shared by every process that uses it. [MemoryStore] keeps it
// in process; the cache/redis package keeps it in Redis.
//
// Every method may be called concurrently. A Store reports a missing key
// with [ErrNotFound], never with a nil value, and treats a ttl of 0 as no
// expiry. It must honour ctx: the Cache bounds every call with
// [WithRemoteTimeout] and expects the call to return when ctx is done.
//
// GetOrAdd and CompareAndSet let a load write its value back only if no
// Set or Delete, in any process, reached the key since the load read it
// (see "What is guaranteed" in the package documentation): a Store must
// make each of them atomic with respect to every other call on the key.
type Store interface {
	// Get returns the value stored under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// GetMany returns the values stored under keys, in the same order,
	// with nil for each key that is missing. It returns a non-nil error
	// only when the lookup as a whole failed.
	GetMany(ctx context.Context, keys []string) ([][]byte, error)
	// Set stores val under key for ttl (0: no expiry). The Store may keep
	// val, so the caller must not modify it afterwards.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Delete removes keys; a missing key is not an error.
	Delete(ctx context.Context, keys ...string) error
	// GetOrAdd returns the value stored under key; if key is missing, it
	// stores val under key for ttl instead and returns added true (and a
	// nil value). The read and the write are one atomic step.
	GetOrAdd(ctx context.Context, key string, val []byte, ttl time.Duration) (cur []byte, added bool, err error)
	// CompareAndSet stores val under key for ttl if key holds old (a
	// missing key holds nothing) and reports whether it did. The
	// comparison and the write are one atomic step.
	CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error)
}

// PubSub is implemented by a [Store] that can carry messages between the
// processes that share it. A [Cache] whose Store implements PubSub tells
// every other Cache on the same channel which keys it set or deleted, so
// that they drop their local copies (see [WithInvalidation]).
type PubSub interface {
	// Publish sends msg to every current subscriber of channel, in this
	// process and in others. Delivery is at most once.
	Publish(ctx context.Context, channel, msg string) error
	// Subscribe subscribes to channel. ctx bounds only the setup: the
	// subscription lasts until its Close.
	Subscribe(ctx context.Context, channel string) (Subscription, error)
}

// Subscription is a subscription to a [PubSub] channel.
type Subscription interface {
	// Messages returns the channel on which messages arrive, in the order
	// they were published. It is closed after Close, or earlier if the
	// subscription ends for good (its Store was closed, say).
	Messages() <-chan Message
	// Close ends the subscription and waits until the goroutines that
	// served it have exited; messages not yet received are dropped. It
	// does not need the receiver to drain Messages.
	Close() error
}

// Message is one message of a [Subscription].
type Message struct {
	// Payload is what was published.
	Payload string
	// Reset, when true, says that the subscription was re-established
	// after an interruption (a reconnect to Redis, say) during which
	// messages may have been lost: whatever the receiver derived from the
	// messages must be rebuilt. A Reset message has no Payload.
	Reset bool
}
