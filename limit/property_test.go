package limit

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// statser is a limiter with Stats, for the property test.
type statser interface {
	Limiter
	TryAcquire() (Permit, error)
	Stats() Stats
}

// TestProperty runs many goroutines that acquire (waiting, or not, or
// with a ctx that ends), hold for a random time and release, and checks
// that calls in flight never exceed the bound, that every acquire ends as
// admitted, rejected or canceled, and that nothing is left in flight or
// waiting.
func TestProperty(t *testing.T) {
	tests := []struct {
		name  string
		bound int
		make  func() (statser, error)
	}{
		{"bulkhead-fifo", 5, func() (statser, error) { return NewBulkhead(5, WithMaxWaiting(8), WithMaxWait(20*time.Millisecond)) }},
		{"bulkhead-lifo", 5, func() (statser, error) { return NewBulkhead(5, WithMaxWaiting(8), WithLIFO()) }},
		{"vegas", 12, func() (statser, error) {
			return NewVegas(WithLimits(2, 12), WithMaxWaiting(8), WithWindow(10*time.Millisecond, 5))
		}},
		{"aimd", 12, func() (statser, error) {
			return NewAIMD(WithLimits(2, 12), WithMaxWaiting(8), WithLatencyThreshold(3*time.Millisecond), WithWindow(10*time.Millisecond, 5))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := tt.make()
				if err != nil {
					t.Fatal(err)
				}
				var inflight, peak, calls atomic.Int64
				var wg sync.WaitGroup
				for g := range 40 {
					wg.Go(func() {
						r := rand.New(rand.NewPCG(uint64(g), 1))
						for range 50 {
							calls.Add(1)
							p, err := acquireOne(t.Context(), l, r)
							if err != nil {
								time.Sleep(time.Millisecond)
								continue
							}
							n := inflight.Add(1)
							for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
							}
							time.Sleep(time.Duration(r.IntN(5)+1) * time.Millisecond)
							inflight.Add(-1)
							var outcome error
							if r.IntN(10) == 0 {
								outcome = errors.New("failed")
							}
							p.Release(outcome)
						}
					})
				}
				wg.Wait()
				s := l.Stats()
				if int(peak.Load()) > tt.bound {
					t.Fatalf("peak in flight = %d, want <= %d", peak.Load(), tt.bound)
				}
				if got := s.Admitted + s.Rejected + s.Canceled; got != uint64(calls.Load()) {
					t.Fatalf("Admitted+Rejected+Canceled = %d, want %d calls (%+v)", got, calls.Load(), s)
				}
				if s.InFlight != 0 || s.Waiting != 0 {
					t.Fatalf("Stats() = %+v, want none in flight or waiting", s)
				}
			})
		})
	}
}

// acquireOne acquires from l in one of three ways, picked by r.
func acquireOne(ctx context.Context, l statser, r *rand.Rand) (Permit, error) {
	switch r.IntN(3) {
	case 0:
		return l.TryAcquire()
	case 1:
		ctx, cancel := context.WithTimeout(ctx, time.Duration(r.IntN(4))*time.Millisecond)
		defer cancel()
		return l.Acquire(ctx)
	}
	return l.Acquire(ctx)
}
