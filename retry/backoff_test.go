package retry

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cenkalti/backoff/v4"
)

func TestBackOffWithRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, err := NewBackOff(Exponential(time.Second, 3*time.Second), nil)
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		start := time.Now()
		err = backoff.Retry(func() error {
			calls++
			return errBoom
		}, backoff.WithMaxRetries(b, 3))
		if !errors.Is(err, errBoom) || calls != 4 {
			t.Fatalf("backoff.Retry() = %v after %d calls, want boom after 4", err, calls)
		}
		if got := time.Since(start); got != 6*time.Second {
			t.Errorf("backoff.Retry() took %v, want 1+2+3 = 6s", got)
		}
	})
}

func TestBackOffSequence(t *testing.T) {
	b, err := NewBackOff(Exponential(time.Second, time.Minute), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if got := b.NextBackOff(); got != want {
			t.Errorf("NextBackOff() = %v, want %v", got, want)
		}
	}
	b.Reset()
	if got := b.NextBackOff(); got != time.Second {
		t.Errorf("NextBackOff() after Reset = %v, want 1s", got)
	}
}

// TestBackOffMatchesDelay checks that a BackOff yields the strategy's
// sequence, Decorrelated's previous delay included, and that a seeded
// source makes it repeatable.
func TestBackOffMatchesDelay(t *testing.T) {
	s := Decorrelated(time.Millisecond, time.Second)
	b, err := NewBackOff(s, rand.NewPCG(9, 9))
	if err != nil {
		t.Fatal(err)
	}
	src := rand.NewPCG(9, 9)
	var prev time.Duration
	for n := range 30 {
		prev = s.Delay(n, prev, src)
		if got := b.NextBackOff(); got != prev {
			t.Fatalf("NextBackOff() #%d = %v, want %v", n, got, prev)
		}
	}
}

func TestNewBackOffInvalid(t *testing.T) {
	b, err := NewBackOff(FullJitter(time.Second, 0), nil)
	if b != nil || err == nil || err.Error() != "retry: FullJitter: cap must be >= base 1s, got 0s" {
		t.Errorf("NewBackOff(FullJitter(1s, 0)) = %v, %v, want nil and the cap error", b, err)
	}
}

func TestLockedSource(t *testing.T) {
	if LockedSource(nil) != nil {
		t.Error("LockedSource(nil) != nil")
	}
	// Same sequence as the source it wraps.
	l, plain := LockedSource(rand.NewPCG(5, 5)), rand.NewPCG(5, 5)
	for range 10 {
		if a, b := l.Uint64(), plain.Uint64(); a != b {
			t.Fatalf("LockedSource Uint64() = %d, want %d", a, b)
		}
	}
	// Safe for concurrent use: the race detector watches, and every value of
	// the sequence is handed out exactly once.
	const workers, each = 8, 1000
	var mu sync.Mutex
	seen := make(map[uint64]int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				v := l.Uint64()
				mu.Lock()
				seen[v]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for range workers * each {
		if v := plain.Uint64(); seen[v] != 1 {
			t.Fatalf("value %d handed out %d times, want once", v, seen[v])
		}
	}
}
