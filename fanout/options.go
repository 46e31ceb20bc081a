package fanout

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of a call made without options.
const (
	// DefaultLimit is the concurrency limit of [Map], [ForEach], [MapAll],
	// [Group] and [Stream] when no [WithLimit] is given. It is a fixed number,
	// not a multiple of GOMAXPROCS, because a fan-out mostly waits on other
	// services: the limit protects the dependency being called, whose
	// capacity does not grow with the caller's cores.
	DefaultLimit = 16

	// DefaultMaxAttempts is the number of calls [Hedge] may make in all when
	// no [WithMaxAttempts] is given: the first call and one backup.
	DefaultMaxAttempts = 2
)

// Unlimited, passed to [WithLimit], removes the concurrency limit of [Map],
// [ForEach], [MapAll] and [Group]: every item or task gets a goroutine at
// once. Use it only when the number of items is itself small and bounded.
// [Stream] rejects it, since its input may be endless.
const Unlimited = -1

// MaxStreamWindow is the largest window a [Stream] accepts: its limit plus
// its buffer (see [WithBuffer]), the most items pulled from the input and
// not yet yielded. A stream makes room for its whole window when it starts,
// so a larger one is an error rather than a huge allocation.
const MaxStreamWindow = 1 << 20

// An Option configures [Map], [ForEach] or a [Group] ([New]). Each call
// takes the options it reads and no others, so that an option it would
// ignore is a compile error (see Options in the package doc); a bad value
// makes the call or New return an error naming the option, and a nil
// option is an error too.
type Option interface {
	apply(*config) error
}

// A MapAllOption configures [MapAll].
type MapAllOption interface {
	applyMapAll(*config) error
}

// A StreamOption configures [Stream].
type StreamOption interface {
	applyStream(*config) error
}

// A HedgeOption configures [Hedge].
type HedgeOption interface {
	applyHedge(*config) error
}

// A LimitOption, from [WithLimit], configures every call that has a
// concurrency limit: it is an [Option], a [MapAllOption] and a
// [StreamOption].
type LimitOption interface {
	Option
	MapAllOption
	StreamOption
}

// A TimeoutOption, from [WithTaskTimeout], configures every call: it is an
// [Option], a [MapAllOption], a [StreamOption] and a [HedgeOption]. (So is
// a [ClockOption].)
type TimeoutOption interface {
	LimitOption
	HedgeOption
}

// Each option constructor returns a value of its own type, with the methods
// of the calls that read it and no others, so that not even a type
// assertion turns it into an option of another call.
type (
	groupOption   func(*config) error // Map, ForEach, New
	streamOption  func(*config) error // Stream
	hedgeOption   func(*config) error // Hedge
	limitOption   func(*config) error // all but Hedge
	timeoutOption func(*config) error // all: WithTaskTimeout, WithClock
)

func (f groupOption) apply(c *config) error         { return f(c) }
func (f streamOption) applyStream(c *config) error  { return f(c) }
func (f hedgeOption) applyHedge(c *config) error    { return f(c) }
func (f limitOption) apply(c *config) error         { return f(c) }
func (f limitOption) applyMapAll(c *config) error   { return f(c) }
func (f limitOption) applyStream(c *config) error   { return f(c) }
func (f timeoutOption) apply(c *config) error       { return f(c) }
func (f timeoutOption) applyMapAll(c *config) error { return f(c) }
func (f timeoutOption) applyStream(c *config) error { return f(c) }
func (f timeoutOption) applyHedge(c *config) error  { return f(c) }

// config holds the options of one call or Group.
type config struct {
	limit       int           // >= 1, or Unlimited
	timeout     time.Duration // per task; 0: none
	collectAll  bool
	ordered     bool
	buffer      int // Stream's extra window; -1: the limit
	maxAttempts int

	hedgeObserver HedgeObserver
	clock         Clock // nil: package time and the go statement
}

// newConfig applies opts, options of one call's type O, with apply, that
// call's method of O.
func newConfig[O any](opts []O, apply func(O, *config) error) (config, error) {
	c := config{limit: DefaultLimit, ordered: true, buffer: -1, maxAttempts: DefaultMaxAttempts}
	for _, o := range opts {
		if any(o) == nil {
			return config{}, errors.New("fanout: nil Option")
		}
		if err := apply(o, &c); err != nil {
			return config{}, err
		}
	}
	return c, nil
}

// workers is the number of goroutines that n items need under the limit.
func (c *config) workers(n int) int {
	if c.limit == Unlimited {
		return n
	}
	return min(c.limit, n)
}

// window is how many of Stream's items may be pulled from its input and not
// yet handed to the consumer: the limit plus the buffer. It is an error above
// [MaxStreamWindow].
func (c *config) window() (int, error) {
	buffer := c.buffer
	if buffer < 0 {
		buffer = c.limit
	}
	if c.limit > MaxStreamWindow-buffer {
		return 0, fmt.Errorf("fanout: Stream: limit %d + buffer %d is more than MaxStreamWindow (%d)", c.limit, buffer, MaxStreamWindow)
	}
	return c.limit + buffer, nil
}

// WithLimit sets how many calls of fn (or tasks of a [Group]) may run at
// once (default [DefaultLimit]). n must be >= 1, or [Unlimited] to remove
// the limit. Read by [Map], [ForEach], [MapAll], [Group] and [Stream].
//
// Choose the limit for the service being called, not for this process: the
// number of requests it should see at once from one caller, often 4 to 32.
func WithLimit(n int) LimitOption {
	return limitOption(func(c *config) error {
		if n < 1 && n != Unlimited {
			return fmt.Errorf("fanout: WithLimit: limit must be >= 1 or Unlimited, got %d", n)
		}
		c.limit = n
		return nil
	})
}

// WithTaskTimeout gives each call of fn (each task of a [Group], each
// attempt of [Hedge]) its own deadline, d after it starts. d must be > 0.
// Without it, calls get the call's context itself and no per-call context is
// made. The deadline is on package time, or on the [Clock] of [WithClock].
// Read by every call and by [Group].
func WithTaskTimeout(d time.Duration) TimeoutOption {
	return timeoutOption(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("fanout: WithTaskTimeout: timeout must be > 0, got %v", d)
		}
		c.timeout = d
		return nil
	})
}

// WithCollectAll makes [Map], [ForEach] and [Group] run every item even when
// some fail, instead of failing fast, and return the [errors.Join] of every
// failure in input order ([Group]: in the order they happened). [Map] then
// returns its results too, with the zero value at each failed item. A panic
// still cancels the rest. [MapAll] always collects and [Stream] always
// delivers each item's error, so neither accepts this option.
func WithCollectAll() Option {
	return groupOption(func(c *config) error {
		c.collectAll = true
		return nil
	})
}

// WithOrdered chooses whether [Stream] yields results in input order (true,
// the default) or as they complete (false). In input order a slow item holds
// back the results after it, and the work pulled ahead of it is bounded by
// the window (see [WithBuffer]); as they complete, every finished result is
// yielded at once. Read by [Stream].
func WithOrdered(ordered bool) StreamOption {
	return streamOption(func(c *config) error {
		c.ordered = ordered
		return nil
	})
}

// WithBuffer sets how many results [Stream] may hold beyond the limit
// (default: as many as the limit). limit + n bounds the items pulled from the
// input and not yet yielded, and so the memory a stream holds when its
// consumer is slow or an early item is slow in ordered mode. n must be >= 0,
// and limit + n at most [MaxStreamWindow]. Read by [Stream].
func WithBuffer(n int) StreamOption {
	return streamOption(func(c *config) error {
		if n < 0 {
			return fmt.Errorf("fanout: WithBuffer: buffer must be >= 0, got %d", n)
		}
		c.buffer = n
		return nil
	})
}

// WithMaxAttempts sets how many calls [Hedge] may make in all, the first
// one included (default [DefaultMaxAttempts]). n must be >= 1; 1 means no
// hedging. Read by [Hedge].
func WithMaxAttempts(n int) HedgeOption {
	return hedgeOption(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("fanout: WithMaxAttempts: attempts must be >= 1, got %d", n)
		}
		c.maxAttempts = n
		return nil
	})
}

// errNilContext is returned for a nil ctx (see CONTRIBUTING.md).
var errNilContext = errors.New("fanout: nil Context")

// errNilFunc reports a nil function given to the named call.
func errNilFunc(call, param string) error {
	return fmt.Errorf("fanout: %s: %s is nil", call, param)
}
