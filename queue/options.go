package queue

import (
	"fmt"
	"math"
	"runtime"
	"time"

	"golang.org/x/time/rate"
)

// Option configures a [Pool]; pass options to [NewPool]. An option with a
// bad value makes NewPool return an error naming the option and the value.
type Option interface {
	apply(*config) error
}

// optionFunc adapts a function to [Option].
type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options set. The hooks are kept as any because the
// options are not generic (see [WithOnError]); NewPool checks their type.
type config struct {
	workers  int
	capacity int
	overflow Overflow
	limit    rate.Limit
	burst    int // 0: no rate limit
	timeout  time.Duration
	onError  any // func(T, error)
	onDrop   any // func(T)
	observer Observer
}

// DefaultCapacity is the queue capacity of a [Pool] built without
// [WithCapacity].
const DefaultCapacity = 256

func defaultConfig() config {
	return config{
		workers:  runtime.GOMAXPROCS(0),
		capacity: DefaultCapacity,
		overflow: Block,
	}
}

// Overflow is what [Pool.Submit] does when the pool's queue is full.
type Overflow int

const (
	// Block makes Submit wait for room (backpressure), until its ctx is
	// done or the pool shuts down. TrySubmit returns [ErrFull] instead of
	// waiting. This is the default.
	Block Overflow = iota
	// Reject makes Submit and TrySubmit return [ErrFull] at once; the
	// caller keeps the item and decides what to do with it (shed load,
	// answer 429 or 503, retry later).
	Reject
	// DropOldest makes room by removing the item that has waited longest
	// and reporting it to the [WithOnDrop] hook, so the newest work is
	// kept; Submit and TrySubmit never block and never return ErrFull.
	DropOldest
)

// String returns the name of the policy, such as "Block".
func (o Overflow) String() string {
	switch o {
	case Block:
		return "Block"
	case Reject:
		return "Reject"
	case DropOldest:
		return "DropOldest"
	default:
		return fmt.Sprintf("Overflow(%d)", int(o))
	}
}

// MaxWorkers is the most workers a [Pool] may have ([WithWorkers]). NewPool
// starts them all at once, each a goroutine with its stack (2 KiB or more)
// and 128 bytes of counts, so their number is bounded rather than grown to.
const MaxWorkers = 1 << 16

// WithWorkers sets how many goroutines handle items at once; n must be in
// [1, [MaxWorkers]]. The default is runtime.GOMAXPROCS(0), right for
// CPU-bound handlers; handlers that wait on I/O want more (see the package
// doc).
func WithWorkers(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("queue: WithWorkers: workers must be > 0, got %d", n)
		}
		if n > MaxWorkers {
			return fmt.Errorf("queue: WithWorkers: workers must be at most MaxWorkers (%d), got %d", MaxWorkers, n)
		}
		c.workers = n
		return nil
	})
}

// WithCapacity sets how many submitted items may wait for a worker; n must
// be in [1, [MaxCapacity]], and the queue's buffer (allocated by NewPool:
// n times the size of an item rounded up to a multiple of 8, plus 8
// bytes, the time it was submitted, for an [Observer]) at most
// [MaxBufferBytes]. The default is [DefaultCapacity].
func WithCapacity(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("queue: WithCapacity: capacity must be > 0, got %d", n)
		}
		if n > MaxCapacity {
			return fmt.Errorf("queue: WithCapacity: capacity must be at most MaxCapacity (%d), got %d", MaxCapacity, n)
		}
		c.capacity = n
		return nil
	})
}

// WithOverflow sets what Submit does when the queue is full: [Block] (the
// default), [Reject] or [DropOldest].
func WithOverflow(o Overflow) Option {
	return optionFunc(func(c *config) error {
		if o < Block || o > DropOldest {
			return fmt.Errorf("queue: WithOverflow: unknown policy %v", o)
		}
		c.overflow = o
		return nil
	})
}

// WithRateLimit limits how fast the pool starts handlers, across all
// workers, to r per second with bursts of up to burst, using a
// [rate.Limiter]. A worker that has taken an item waits for the limiter
// before calling the handler. r must be > 0 (rate.Inf turns the limit off)
// and burst at least 1. By default there is no limit.
func WithRateLimit(r rate.Limit, burst int) Option {
	return optionFunc(func(c *config) error {
		if !(r > 0) {
			return fmt.Errorf("queue: WithRateLimit: rate must be > 0, got %v", float64(r))
		}
		if burst < 1 {
			return fmt.Errorf("queue: WithRateLimit: burst must be > 0, got %d", burst)
		}
		c.limit, c.burst = r, burst
		return nil
	})
}

// WithItemTimeout bounds each handler call: its ctx expires d after the
// call starts, and a handler that returns the ctx error has failed (it goes
// to the [WithOnError] hook). d must not be negative; 0, the default, means
// no timeout.
func WithItemTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("queue: WithItemTimeout: timeout must be >= 0, got %v", d)
		}
		c.timeout = d
		return nil
	})
}

// WithOnError sets the dead-letter hook: it is called with every item whose
// handler returned an error, panicked or called runtime.Goexit (then err is
// a *[PanicError]), after the handler returns, on the worker goroutine.
// Without it a failed item is only counted in [Stats].Failed.
//
// The item type is inferred from fn, so an option list reads
// WithOnError(func(j Job, err error) {...}) with no type arguments; NewPool
// returns an error if it does not match the pool's item type. (A generic
// Option[T] would catch the mismatch at compile time but would make every
// option spell the type: WithWorkers[Job](8).) fn must not be nil.
func WithOnError[T any](fn func(item T, err error)) Option {
	return optionFunc(func(c *config) error {
		if fn == nil {
			return fmt.Errorf("queue: WithOnError: hook must not be nil")
		}
		c.onError = fn
		return nil
	})
}

// WithOnDrop sets the hook that receives every item removed from the queue
// by the [DropOldest] policy. It is called on the goroutine of the Submit
// or TrySubmit that made room, before that call returns; if it panics (or
// calls runtime.Goexit), that goes on through the caller, and the item it
// submitted is not accepted. Without it a dropped item is only counted in
// [Stats].Dropped. As with [WithOnError], the item type is inferred from
// fn and checked by NewPool; fn must not be nil.
func WithOnDrop[T any](fn func(item T)) Option {
	return optionFunc(func(c *config) error {
		if fn == nil {
			return fmt.Errorf("queue: WithOnDrop: hook must not be nil")
		}
		c.onDrop = fn
		return nil
	})
}

// hook returns the hook h as an F, nil if h is unset, or an error naming
// the option if h has another type.
func hook[F any](h any, option string) (F, error) {
	var f F
	if h == nil {
		return f, nil
	}
	f, ok := h.(F)
	if !ok {
		return f, fmt.Errorf("queue: %s: hook is %T, want %T for this pool's items", option, h, f)
	}
	return f, nil
}

// limited reports whether the config sets a finite rate limit.
func (c *config) limited() bool {
	return c.burst > 0 && c.limit != rate.Inf && !math.IsInf(float64(c.limit), 1)
}
