package breaker

import (
	"context"
	"errors"
	"math"
	"testing"
	"testing/synctest"
	"time"
)

// hundredYears is far beyond any open duration a test could wait out.
const hundredYears = 100 * 365 * 24 * time.Hour

// wantOpenFor fails the test unless a call is rejected by an open breaker
// whose next probe is at least min away.
func wantOpenFor(t *testing.T, b *Breaker, min time.Duration) {
	t.Helper()
	wantState(t, b, StateOpen)
	var oe *OpenError
	if err := b.Do(context.Background(), succeed); !errors.As(err, &oe) {
		t.Fatalf("Do = %v, want an *OpenError", err)
	}
	if oe.Wait < min {
		t.Fatalf("OpenError.Wait = %v, want at least %v", oe.Wait, min)
	}
}

func TestOpenDurationMaxInt64(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(math.MaxInt64))
		time.Sleep(time.Hour) // a clock that has run: now + MaxInt64 overflows
		run(t, b, 1, fail)
		wantOpenFor(t, b, hundredYears)
	})
}

func TestOpenBackoffSaturates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The second trip stays open 2^20 s (12 days); the third would stay
		// 2^40 s, beyond a Duration, and is capped at the maximum.
		b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(time.Second),
			WithOpenBackoff(math.MaxInt64, 1<<20, 0))
		run(t, b, 1, fail)
		for _, d := range []time.Duration{time.Second, time.Second << 20} {
			wantOpenFor(t, b, d)
			time.Sleep(d)
			run(t, b, 1, fail) // the probe fails: reopen for longer
		}
		wantOpenFor(t, b, hundredYears)
	})
}

// extremeDurations are open durations and maxima at the edges of the type.
var extremeDurations = []time.Duration{
	0, 1, time.Second, time.Hour, math.MaxInt64 / 3, math.MaxInt64/2 + 1, math.MaxInt64 - 1, math.MaxInt64,
}

// checkOpenDuration fails the test if openDuration breaks its bounds for c
// at level with jitter draw r, or shrinks from prev (the result at the
// level before) without jitter. It returns the result.
func checkOpenDuration(t *testing.T, c *config, level int, r float64, prev time.Duration) time.Duration {
	t.Helper()
	got := openDuration(c, level, r)
	hi, lo := c.backoffMax, time.Duration(0)
	if c.backoffMax == 0 {
		hi, lo = c.openDuration, c.openDuration
	}
	if got < lo || got > hi {
		t.Fatalf("openDuration(%+v, %d, %v) = %v, want in [%v, %v]", *c, level, r, got, lo, hi)
	}
	if c.backoffJitter == 0 && got < prev {
		t.Fatalf("openDuration(%+v, %d, 0) = %v, want at least %v, the duration at level %d", *c, level, got, prev, level-1)
	}
	return got
}

func TestOpenDurationExtremes(t *testing.T) {
	mults := []float64{1, 1.0000001, 2, 1 << 20, math.MaxFloat64, math.Inf(1)}
	jitters := []float64{0, 0.5, 1}
	for _, open := range extremeDurations {
		checkOpenDuration(t, &config{openDuration: open}, 3, 0.5, 0)
		for _, max := range extremeDurations {
			if max < open || max == 0 || open == 0 {
				continue // refused by New
			}
			for _, mult := range mults {
				for _, jitter := range jitters {
					c := &config{openDuration: open, backoffMax: max, backoffMult: mult, backoffJitter: jitter}
					prev := time.Duration(0)
					for level := range 200 {
						prev = checkOpenDuration(t, c, level, 0.999, prev)
						checkOpenDuration(t, c, level, 0, 0)
					}
				}
			}
		}
	}
}

func TestAddSat(t *testing.T) {
	tests := []struct {
		now  int64
		d    time.Duration
		want int64
	}{
		{0, 0, 0},
		{5, time.Second, 5 + int64(time.Second)},
		{1, math.MaxInt64, math.MaxInt64},
		{math.MaxInt64, 1, math.MaxInt64},
		{math.MaxInt64 - 1, 1, math.MaxInt64},
		{math.MaxInt64 / 2, math.MaxInt64 / 2, math.MaxInt64 - 1},
	}
	for _, tt := range tests {
		if got := addSat(tt.now, tt.d); got != tt.want {
			t.Errorf("addSat(%d, %v) = %d, want %d", tt.now, tt.d, got, tt.want)
		}
	}
}

// FuzzOpenDuration checks openDuration's bounds for any configuration that
// New accepts, at any level and jitter draw. Every input is mapped into
// that domain (inDomain), so that none is wasted.
func FuzzOpenDuration(f *testing.F) {
	f.Add(int64(time.Second), int64(math.MaxInt64), 2.0, 0.0, 0.5, 40)
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), 1.0, 1.0, 0.99, 0)
	f.Fuzz(func(t *testing.T, open, max int64, mult, jitter, r float64, level int) {
		open, max, mult, jitter, r, level = inDomain(open, max, mult, jitter, r, level)
		c := &config{openDuration: time.Duration(open), backoffMax: time.Duration(max), backoffMult: mult, backoffJitter: jitter}
		got := checkOpenDuration(t, c, level, r, 0)
		if until := addSat(math.MaxInt64/2, got); until < math.MaxInt64/2 {
			t.Fatalf("addSat(MaxInt64/2, %v) = %d, went back in time", got, until)
		}
	})
}

// inDomain maps fuzz inputs onto a configuration New accepts and a draw:
// values already in the domain are kept as they are; the others are
// folded in (a negative integer to its complement, a float to its
// fraction), so that every input exercises openDuration.
func inDomain(open, max int64, mult, jitter, r float64, level int) (int64, int64, float64, float64, float64, int) {
	open = nonNegative(open)
	if open == 0 {
		open = 1
	}
	if max < open {
		max = open + min(nonNegative(max), math.MaxInt64-open)
	}
	if !(mult >= 1) {
		mult = 1 + fraction(mult)
	}
	if !(jitter >= 0 && jitter <= 1) {
		jitter = fraction(jitter)
	}
	if !(r >= 0 && r < 1) {
		r = fraction(r)
	}
	if level < 0 {
		level = ^level
	}
	return open, max, mult, jitter, r, level
}

func nonNegative(x int64) int64 {
	if x < 0 {
		return ^x
	}
	return x
}

// fraction returns |x| mod 1, in [0, 1); 0 for NaN and infinities.
func fraction(x float64) float64 {
	f := math.Abs(math.Mod(x, 1))
	if math.IsNaN(f) {
		return 0
	}
	return f
}
