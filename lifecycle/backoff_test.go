package lifecycle

import (
	"math"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const base, max = 100 * time.Millisecond, 1 * time.Second
	tests := []struct {
		n    int
		u    float64
		want time.Duration
	}{
		{1, 0, 50 * time.Millisecond},
		{1, 0.999999, 100 * time.Millisecond},
		{2, 0, 100 * time.Millisecond},
		{3, 0.5, 300 * time.Millisecond},
		{4, 0, 400 * time.Millisecond},
		{5, 0, 500 * time.Millisecond}, // 1.6s capped at 1s
		{5, 0.999999, max},
		{1000, 0.5, 750 * time.Millisecond},
	}
	for _, tt := range tests {
		got := backoff(base, max, tt.n, tt.u)
		if diff := got - tt.want; diff < -time.Microsecond || diff > time.Microsecond {
			t.Errorf("backoff(%v, %v, %d, %v) = %v, want %v", base, max, tt.n, tt.u, got, tt.want)
		}
	}
}

func TestBackoffNoOverflow(t *testing.T) {
	const huge = time.Duration(math.MaxInt64)
	for _, n := range []int{1, 2, 62, 63, 64, 70, 1 << 20} {
		got := backoff(time.Millisecond, huge, n, 0.999999)
		if got <= 0 || got > huge {
			t.Errorf("backoff(1ms, MaxInt64, %d, 0.999999) = %v, want in (0, MaxInt64]", n, got)
		}
	}
}
