package retry

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// bounds returns the interval the formula of s allows for retry n after a
// delay of prev.
func bounds(s Strategy, n int, prev time.Duration) (lo, hi time.Duration) {
	ceiling := s.cap
	if bits.Len64(uint64(s.base))+n <= 63 && s.base<<n < s.cap {
		ceiling = s.base << n
	}
	switch s.kind {
	case kindExponential:
		return ceiling, ceiling
	case kindFullJitter:
		return 0, ceiling
	case kindEqualJitter:
		return ceiling / 2, ceiling
	case kindDecorrelated:
		upper := 3 * max(prev, s.base)
		if max(prev, s.base) > math.MaxInt64/3 {
			upper = math.MaxInt64
		}
		return s.base, min(s.cap, upper)
	case kindConstant:
		return s.base, s.base
	}
	panic("unknown kind")
}

var propertyStrategies = []Strategy{
	Exponential(time.Millisecond, time.Second),
	FullJitter(time.Millisecond, time.Second),
	EqualJitter(time.Millisecond, time.Second),
	Decorrelated(time.Millisecond, time.Second),
	Constant(time.Millisecond),
	FullJitter(time.Nanosecond, time.Nanosecond),
	EqualJitter(3*time.Nanosecond, 7*time.Nanosecond),
	Decorrelated(time.Hour, math.MaxInt64),
	FullJitter(time.Hour, math.MaxInt64),
}

// TestDelayBounds checks, over many seeds and retries, that every delay lies
// inside its formula's bounds, as a sequence of retries would produce them.
func TestDelayBounds(t *testing.T) {
	for _, s := range propertyStrategies {
		for seed := range uint64(200) {
			src := rand.NewPCG(seed, 1)
			var prev time.Duration
			for n := range 80 {
				d := s.Delay(n, prev, src)
				if lo, hi := bounds(s, n, prev); d < lo || d > hi {
					t.Fatalf("%v.Delay(%d, %v) = %v with seed %d, want in [%v, %v]", s, n, prev, d, seed, lo, hi)
				}
				prev = d
			}
		}
	}
}

// TestDelaySpread checks that the jittered strategies do spread their delays
// over their interval (a constant delay inside the bounds would pass
// TestDelayBounds): the smallest of many draws is near the low bound, the
// largest near the high one, and the mean near the middle.
func TestDelaySpread(t *testing.T) {
	const draws = 20000
	tests := []struct {
		s      Strategy
		n      int
		prev   time.Duration
		lo, hi time.Duration
	}{
		{FullJitter(time.Millisecond, time.Second), 3, 0, 0, 8 * time.Millisecond},
		{EqualJitter(time.Millisecond, time.Second), 3, 0, 4 * time.Millisecond, 8 * time.Millisecond},
		{Decorrelated(time.Millisecond, time.Second), 5, 10 * time.Millisecond, time.Millisecond, 30 * time.Millisecond},
	}
	for _, tt := range tests {
		src := rand.NewPCG(7, 7)
		lowest, highest, sum := tt.hi, tt.lo, 0.0
		for range draws {
			d := tt.s.Delay(tt.n, tt.prev, src)
			lowest, highest = min(lowest, d), max(highest, d)
			sum += float64(d)
		}
		width := tt.hi - tt.lo
		mean := time.Duration(sum / draws)
		if lowest > tt.lo+width/100 || highest < tt.hi-width/100 {
			t.Errorf("%v.Delay(%d, %v) ranged over [%v, %v], want about [%v, %v]", tt.s, tt.n, tt.prev, lowest, highest, tt.lo, tt.hi)
		}
		if mid := tt.lo + width/2; mean < mid-width/20 || mean > mid+width/20 {
			t.Errorf("%v.Delay(%d, %v) mean = %v, want about %v", tt.s, tt.n, tt.prev, mean, mid)
		}
	}
}

func TestDelayExact(t *testing.T) {
	tests := []struct {
		s    Strategy
		n    int
		want time.Duration
	}{
		{Exponential(time.Millisecond, time.Second), 0, time.Millisecond},
		{Exponential(time.Millisecond, time.Second), 1, 2 * time.Millisecond},
		{Exponential(time.Millisecond, time.Second), 9, 512 * time.Millisecond},
		{Exponential(time.Millisecond, time.Second), 10, time.Second},
		{Exponential(time.Millisecond, time.Second), 62, time.Second},
		{Exponential(time.Millisecond, time.Second), 1000, time.Second},
		{Exponential(time.Millisecond, time.Second), -1, time.Millisecond},
		{Exponential(3, math.MaxInt64), 61, 3 << 61},
		{Exponential(3, math.MaxInt64), 62, math.MaxInt64},
		{Constant(time.Second), 40, time.Second},
		{FullJitter(time.Second, time.Second), 0, 0},
	}
	src := rand.NewPCG(1, 1)
	for _, tt := range tests {
		if tt.s.kind == kindFullJitter {
			// FullJitter draws in [0, 1s]; only its bound is exact.
			if got := tt.s.Delay(tt.n, 0, src); got < 0 || got > time.Second {
				t.Errorf("%v.Delay(%d, 0) = %v, want in [0, 1s]", tt.s, tt.n, got)
			}
			continue
		}
		if got := tt.s.Delay(tt.n, 0, src); got != tt.want {
			t.Errorf("%v.Delay(%d, 0) = %v, want %v", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestDelayDeterministic(t *testing.T) {
	for _, s := range propertyStrategies {
		a, b := rand.NewPCG(42, 42), rand.NewPCG(42, 42)
		var prevA, prevB time.Duration
		for n := range 20 {
			prevA, prevB = s.Delay(n, prevA, a), s.Delay(n, prevB, b)
			if prevA != prevB {
				t.Fatalf("%v.Delay(%d) = %v and %v from equal seeds, want equal", s, n, prevA, prevB)
			}
		}
	}
}

func TestZeroStrategyIsDefault(t *testing.T) {
	var zero Strategy
	if got, want := zero.String(), "FullJitter(100ms, 10s)"; got != want {
		t.Errorf("Strategy{}.String() = %q, want %q", got, want)
	}
	if err := zero.Validate(); err != nil {
		t.Errorf("Strategy{}.Validate() = %v, want nil", err)
	}
	for n := range 10 {
		if d := zero.Delay(n, 0, nil); d < 0 || d > min(DefaultCap, DefaultBase<<n) {
			t.Errorf("Strategy{}.Delay(%d) = %v, want in [0, %v]", n, d, min(DefaultCap, DefaultBase<<n))
		}
	}
}

func TestStrategyString(t *testing.T) {
	tests := []struct {
		s    Strategy
		want string
	}{
		{Exponential(time.Millisecond, time.Second), "Exponential(1ms, 1s)"},
		{EqualJitter(time.Millisecond, time.Second), "EqualJitter(1ms, 1s)"},
		{Decorrelated(time.Millisecond, time.Second), "Decorrelated(1ms, 1s)"},
		{Constant(time.Second), "Constant(1s)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestStrategyValidate(t *testing.T) {
	tests := []struct {
		s    Strategy
		want string // a substring of the error, "" for none
	}{
		{FullJitter(time.Millisecond, time.Millisecond), ""},
		{FullJitter(0, time.Second), "retry: FullJitter: base must be > 0, got 0s"},
		{EqualJitter(-time.Second, time.Second), "retry: EqualJitter: base must be > 0, got -1s"},
		{Decorrelated(time.Second, time.Millisecond), "retry: Decorrelated: cap must be >= base 1s, got 1ms"},
		{Exponential(time.Second, -1), "retry: Exponential: cap must be >= base 1s, got -1ns"},
		{Constant(0), "retry: Constant: delay must be > 0, got 0s"},
		{Constant(-time.Second), "retry: Constant: delay must be > 0, got -1s"},
		{Strategy{kind: 200, base: 1, cap: 1}, "retry: unknown strategy kind 200"},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v.Validate() = %v, want %q", tt.s, err, tt.want)
		}
	}
}

// TestDelayNoAlloc guards issue point 9b: computing a delay does not
// allocate, with the default source or a seeded one.
func TestDelayNoAlloc(t *testing.T) {
	for _, s := range propertyStrategies {
		for _, src := range []rand.Source{nil, rand.NewPCG(1, 2)} {
			n := 0
			allocs := testing.AllocsPerRun(100, func() {
				s.Delay(n&7, time.Duration(n), src)
				n++
			})
			if allocs != 0 {
				t.Errorf("%v.Delay with source %T allocs = %v, want 0", s, src, allocs)
			}
		}
	}
}

// TestDelayInvalidNoPanic checks that Delay on invalid strategies returns
// without panicking.
func TestDelayInvalidNoPanic(t *testing.T) {
	for _, s := range []Strategy{
		FullJitter(0, 0), FullJitter(-5, -10), EqualJitter(10, 5), Decorrelated(-1, -1),
		Decorrelated(0, 10), Constant(-1), Exponential(-1, 10), {kind: 200},
	} {
		for n := range 70 {
			s.Delay(n, time.Duration(n)-3, nil)
		}
	}
}

func FuzzDelay(f *testing.F) {
	f.Add(uint8(kindFullJitter), int64(time.Millisecond), int64(time.Second), 3, int64(0), uint64(1))
	f.Add(uint8(kindDecorrelated), int64(1), int64(math.MaxInt64), 70, int64(math.MaxInt64), uint64(2))
	f.Add(uint8(kindEqualJitter), int64(3), int64(4), 1, int64(-4), uint64(3))
	f.Fuzz(func(t *testing.T, k uint8, base, cap int64, n int, prev int64, seed uint64) {
		s := Strategy{kind: kind(k % uint8(len(kindNames))), base: time.Duration(base), cap: time.Duration(cap)}
		if s.kind == kindConstant {
			s.cap = s.base
		}
		d := s.Delay(n, time.Duration(prev), rand.NewPCG(seed, seed))
		if s.Validate() != nil || s.kind == kindDefault {
			return // no promise but not panicking
		}
		if prev < 0 {
			prev = 0
		}
		lo, hi := bounds(s, max(n, 0), time.Duration(prev))
		if d < lo || d > hi {
			t.Fatalf("%v.Delay(%d, %v) = %v, want in [%v, %v]", s, n, time.Duration(prev), d, lo, hi)
		}
	})
}
