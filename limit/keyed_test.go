package limit

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestKeyedRate(t *testing.T) {
	k, err := NewKeyedRate[string](10, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	for i := range 3 {
		if err := k.AllowN(now, "a", 1); err != nil {
			t.Fatalf("AllowN #%d = %v, want nil within the burst", i, err)
		}
	}
	err = k.AllowN(now, "a", 1)
	mustLimited(t, err, 100*time.Millisecond)
	if err := k.AllowN(now, "b", 1); err != nil {
		t.Fatalf("AllowN of another key = %v, want nil", err)
	}
	if err := k.AllowN(now.Add(100*time.Millisecond), "a", 1); err != nil {
		t.Fatalf("AllowN a token later = %v, want nil", err)
	}
	mustLimited(t, k.AllowN(now, "c", 4), 400*time.Millisecond)
	if err := k.AllowN(now, "c", 0); err == nil || errors.Is(err, ErrLimited) {
		t.Fatalf("AllowN(n 0) = %v, want an error naming n, not ErrLimited", err)
	}
}

// TestKeyedRateBounded: idle keys are swept and active ones displaced, so
// the map never holds more than maxKeys.
func TestKeyedRateBounded(t *testing.T) {
	k, err := NewKeyedRate[int](1, 2, 100)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	for i := range 1000 {
		_ = k.AllowN(now, i, 1) // each key active for a second
		if s := k.Stats(); s.Keys > 100 {
			t.Fatalf("Stats().Keys = %d after %d keys, want <= 100", s.Keys, i+1)
		}
	}
	if s := k.Stats(); s.Displaced != 900 {
		t.Fatalf("Stats().Displaced = %d, want 900", s.Displaced)
	}
	for i := range 1000 { // each key idle again two seconds later
		_ = k.AllowN(now.Add(time.Duration(i+2)*2*time.Second), 1000+i, 1)
	}
	if s := k.Stats(); s.Displaced != 900 {
		t.Fatalf("Stats().Displaced with idle keys = %d, want still 900 (idle keys swept, none displaced)", s.Displaced)
	}
}

func TestKeyedRateBadInput(t *testing.T) {
	tests := []struct {
		r    float64
		b, n int
		want string
	}{
		{0, 1, 0, "limit: NewKeyedRate: rate must be > 0, got 0"},
		{1, 0, 0, "limit: NewKeyedRate: burst must be >= 1, got 0"},
		{1, 1, -1, "limit: NewKeyedRate: maxKeys must be >= 0, got -1"},
	}
	for _, tt := range tests {
		_, err := NewKeyedRate[string](rateOf(tt.r), tt.b, tt.n)
		if err == nil || err.Error() != tt.want {
			t.Errorf("NewKeyedRate(%v, %d, %d) = %v, want %q", tt.r, tt.b, tt.n, err, tt.want)
		}
	}
}

func rateOf(r float64) rate.Limit { return rate.Limit(r) }
