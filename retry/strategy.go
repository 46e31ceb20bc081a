package retry

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"time"
)

type kind uint8

const (
	kindDefault kind = iota // the zero Strategy: the default FullJitter
	kindExponential
	kindFullJitter
	kindEqualJitter
	kindDecorrelated
	kindConstant
)

var kindNames = [...]string{
	kindDefault:      "FullJitter",
	kindExponential:  "Exponential",
	kindFullJitter:   "FullJitter",
	kindEqualJitter:  "EqualJitter",
	kindDecorrelated: "Decorrelated",
	kindConstant:     "Constant",
}

// Default strategy parameters: the first retry waits up to DefaultBase, and
// no retry waits more than DefaultCap.
const (
	DefaultBase = 100 * time.Millisecond
	DefaultCap  = 10 * time.Second
)

// Strategy describes how long to wait before each retry: one of the
// formulas of the AWS Architecture Blog article "Exponential Backoff And
// Jitter", with a base and a cap. A Strategy is an immutable value, safe to
// share between goroutines and Policies; the per-call state (which retry this
// is, the previous delay) is passed to [Strategy.Delay] or kept by the
// [BackOff] that [NewBackOff] returns.
//
// The zero Strategy is FullJitter(DefaultBase, DefaultCap). A Strategy made
// with a bad base or cap is reported by [Strategy.Validate], by [WithStrategy]
// and by [NewBackOff].
type Strategy struct {
	kind      kind
	base, cap time.Duration
}

// Exponential waits min(cap, base*2^n) before retry n (from 0), without
// jitter. Clients that failed together retry together, so it is here for
// comparison; prefer a jittered strategy.
func Exponential(base, cap time.Duration) Strategy {
	return Strategy{kindExponential, base, cap}
}

// FullJitter waits a uniformly random delay in [0, min(cap, base*2^n)]
// before retry n (from 0). It is the default: it spreads retries best and
// costs the fewest calls under contention.
func FullJitter(base, cap time.Duration) Strategy {
	return Strategy{kindFullJitter, base, cap}
}

// EqualJitter waits t/2 plus a uniformly random delay in [0, t/2], where
// t = min(cap, base*2^n), before retry n (from 0): never less than half the
// exponential delay.
func EqualJitter(base, cap time.Duration) Strategy {
	return Strategy{kindEqualJitter, base, cap}
}

// Decorrelated waits min(cap, random in [base, 3*prev]) where prev is the
// previous delay (base before the first retry): AWS's decorrelated jitter.
func Decorrelated(base, cap time.Duration) Strategy {
	return Strategy{kindDecorrelated, base, cap}
}

// Constant waits d before every retry.
func Constant(d time.Duration) Strategy {
	return Strategy{kindConstant, d, d}
}

// String returns the strategy as it would be written in Go, such as
// "FullJitter(100ms, 10s)".
func (s Strategy) String() string {
	s = s.orDefault()
	if s.kind == kindConstant {
		return fmt.Sprintf("Constant(%v)", s.base)
	}
	return fmt.Sprintf("%s(%v, %v)", kindNames[s.kind], s.base, s.cap)
}

// Validate reports a base <= 0 or a cap < base, naming the strategy and the
// value.
func (s Strategy) Validate() error {
	if err := s.check(); err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	return nil
}

// check is Validate without the package prefix, for the options and
// functions that add their own ("retry: WithStrategy: ...").
func (s Strategy) check() error {
	s = s.orDefault()
	switch {
	case s.kind >= kind(len(kindNames)):
		return fmt.Errorf("unknown strategy kind %d", s.kind)
	case s.kind == kindConstant && s.base <= 0:
		return fmt.Errorf("Constant: delay must be > 0, got %v", s.base)
	case s.base <= 0:
		return fmt.Errorf("%s: base must be > 0, got %v", kindNames[s.kind], s.base)
	case s.cap < s.base:
		return fmt.Errorf("%s: cap must be >= base %v, got %v", kindNames[s.kind], s.base, s.cap)
	}
	return nil
}

func (s Strategy) orDefault() Strategy {
	if s.kind == kindDefault {
		return Strategy{kindFullJitter, DefaultBase, DefaultCap}
	}
	return s
}

// Delay returns the delay before retry n (0 for the first retry), given the
// previous delay this strategy returned (0 before the first retry; only
// Decorrelated uses it) and a random source (nil for the default one, which
// is safe for concurrent use and does not lock). It is a pure computation:
// it does not allocate and keeps no state. The result of Delay on a Strategy
// that fails [Strategy.Validate] is unspecified, but Delay never panics.
func (s Strategy) Delay(n int, prev time.Duration, src rand.Source) time.Duration {
	s = s.orDefault()
	if src == nil {
		src = runtimeSource{}
	}
	switch s.kind {
	case kindExponential:
		return s.ceiling(n)
	case kindFullJitter:
		return between(src, 0, s.ceiling(n))
	case kindEqualJitter:
		t := s.ceiling(n)
		return between(src, t/2, t)
	case kindDecorrelated:
		prev = max(prev, s.base)
		hi := time.Duration(math.MaxInt64)
		if prev <= math.MaxInt64/3 {
			hi = 3 * prev
		}
		return min(s.cap, between(src, s.base, hi))
	case kindConstant:
		return s.base
	}
	return 0
}

// ceiling returns min(cap, base*2^n) without overflow.
func (s Strategy) ceiling(n int) time.Duration {
	switch {
	case s.base <= 0:
		return 0
	case n <= 0:
		return min(s.base, s.cap)
	case n >= 63 || s.base > s.cap>>n:
		return s.cap
	}
	return s.base << n
}

// between returns a uniformly random duration in [lo, hi], or lo when hi <= lo.
func between(src rand.Source, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(uniform(src, uint64(hi-lo)+1))
}

// uniform returns a uniformly random value in [0, n) for n > 0, by Lemire's
// multiply-and-reject method (as math/rand/v2 does).
func uniform(src rand.Source, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// runtimeSource is the default random source: math/rand/v2's top-level
// generator, which is per-thread in the runtime, safe for concurrent use and
// lock-free.
type runtimeSource struct{}

func (runtimeSource) Uint64() uint64 { return rand.Uint64() }
