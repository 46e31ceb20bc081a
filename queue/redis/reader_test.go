package redis

import (
	"testing"
	"time"
)

func TestRetryDelayBounds(t *testing.T) {
	const base, ceiling = 100 * time.Millisecond, time.Second
	tests := []struct {
		n      int
		lo, hi time.Duration
	}{
		{1, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, 200 * time.Millisecond},
		{4, 400 * time.Millisecond, 800 * time.Millisecond},
		{5, 500 * time.Millisecond, time.Second},  // capped
		{70, 500 * time.Millisecond, time.Second}, // no overflow
	}
	for _, tt := range tests {
		for range 200 {
			if got := retryDelay(tt.n, base, ceiling); got < tt.lo || got > tt.hi {
				t.Fatalf("retryDelay(%d, %v, %v) = %v, want in [%v, %v]", tt.n, base, ceiling, got, tt.lo, tt.hi)
			}
		}
	}
}
