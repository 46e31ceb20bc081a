package idempotency

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of a [Group] built without the options that set them.
const (
	// DefaultLease is how long a hold lasts without renewal ([WithLease]).
	DefaultLease = 30 * time.Second
	// DefaultTTL is how long a completed record is kept ([WithTTL]): a day,
	// as Stripe keeps idempotency keys.
	DefaultTTL = 24 * time.Hour
	// DefaultPollInterval is how often a waiting call asks the Store
	// whether the holder finished ([WithPollInterval]).
	DefaultPollInterval = 50 * time.Millisecond
	// MinDuration is the least lease, ttl and poll interval accepted: a
	// millisecond, the granularity of Redis expiries.
	MinDuration = time.Millisecond
)

// Option configures a [Group]; pass options to [New]. An option with a bad
// value makes New return an error naming the option and the value.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// InProgressPolicy is what a call does when another holder is running its
// key ([WithInProgress]).
type InProgressPolicy int

const (
	// Wait makes the call wait for the holder's result, asking the Store
	// every poll interval, until its ctx ends; if the holder dies, the
	// call takes the key over when the lease runs out. This is the default.
	Wait InProgressPolicy = iota
	// Reject makes the call return an [*InProgressError] at once.
	Reject
)

// String returns the policy's name, such as "Wait".
func (p InProgressPolicy) String() string {
	switch p {
	case Wait:
		return "Wait"
	case Reject:
		return "Reject"
	}
	return fmt.Sprintf("InProgressPolicy(%d)", int(p))
}

type config struct {
	store    Store
	codec    Codec
	lease    time.Duration
	ttl      time.Duration
	poll     time.Duration
	policy   InProgressPolicy
	final    func(error) bool
	failOpen func(key string, err error)
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		codec: JSONCodec{},
		lease: DefaultLease,
		ttl:   DefaultTTL,
		poll:  DefaultPollInterval,
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("idempotency: nil Option")
		}
		if err := o.apply(c); err != nil {
			return nil, err
		}
	}
	if c.store == nil {
		s, err := NewMemoryStore(DefaultMemoryStoreEntries)
		if err != nil {
			return nil, err
		}
		c.store = s
	}
	return c, nil
}

// WithStore sets the [Store] that keeps the records: a
// idempotency/redis Store to share them between replicas. The default is
// a [MemoryStore] of [DefaultMemoryStoreEntries] entries, private to the
// Group.
func WithStore(s Store) Option {
	return optionFunc(func(c *config) error {
		if s == nil {
			return errors.New("idempotency: WithStore: store must not be nil")
		}
		c.store = s
		return nil
	})
}

// WithCodec sets how results are encoded for the Store. The default is
// [JSONCodec]; [RawCodec] stores strings and byte slices as they are.
func WithCodec(codec Codec) Option {
	return optionFunc(func(c *config) error {
		if codec == nil {
			return errors.New("idempotency: WithCodec: codec must not be nil")
		}
		c.codec = codec
		return nil
	})
}

// WithLease sets how long a hold lasts without renewal (d >= [MinDuration]):
// how long a key stays blocked after its holder died. A live holder renews
// its lease every d/3, so d only needs to cover a few Store round trips;
// fn's ctx is cancelled when the lease is lost. The default is
// [DefaultLease].
func WithLease(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < MinDuration {
			return fmt.Errorf("idempotency: WithLease must be >= %v, got %v", MinDuration, d)
		}
		c.lease = d
		return nil
	})
}

// WithTTL sets how long a completed result is kept and replayed
// (d >= [MinDuration]); a call after that runs fn again. The default is
// [DefaultTTL].
func WithTTL(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < MinDuration {
			return fmt.Errorf("idempotency: WithTTL must be >= %v, got %v", MinDuration, d)
		}
		c.ttl = d
		return nil
	})
}

// WithPollInterval sets how often a call waiting for another holder asks
// the Store for its result (d >= [MinDuration]); it never sleeps past the
// holder's lease. The default is [DefaultPollInterval].
func WithPollInterval(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < MinDuration {
			return fmt.Errorf("idempotency: WithPollInterval must be >= %v, got %v", MinDuration, d)
		}
		c.poll = d
		return nil
	})
}

// WithInProgress sets what a call does when another holder runs its key:
// [Wait] (the default) or [Reject].
func WithInProgress(p InProgressPolicy) Option {
	return optionFunc(func(c *config) error {
		if p != Wait && p != Reject {
			return fmt.Errorf("idempotency: WithInProgress: unknown policy %v", p)
		}
		c.policy = p
		return nil
	})
}

// WithFinal sets a predicate that marks errors of fn as final, as [Final]
// does: they are recorded and replayed instead of releasing the key. An
// error wrapped by Final is final whatever the predicate says.
func WithFinal(isFinal func(error) bool) Option {
	return optionFunc(func(c *config) error {
		if isFinal == nil {
			return errors.New("idempotency: WithFinal: predicate must not be nil")
		}
		c.final = isFinal
		return nil
	})
}

// WithFailOpen makes a call whose Store fails to acquire the key run fn
// anyway, without dedupe, after reporting the key and the error to report.
// A call that has seen the key held and is waiting for it does not fail
// open: it returns the Store's error.
// Without it (the default), the call fails with the Store's error
// (matching [ErrStore]) and fn does not run. Fail open only where running
// twice is better than not running: the guarantee of [Do] is gone while
// the Store is down.
func WithFailOpen(report func(key string, err error)) Option {
	return optionFunc(func(c *config) error {
		if report == nil {
			return errors.New("idempotency: WithFailOpen: report must not be nil")
		}
		c.failOpen = report
		return nil
	})
}
