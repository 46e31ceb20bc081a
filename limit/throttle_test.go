package limit

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

func TestRejectProbability(t *testing.T) {
	tests := []struct {
		req, acc, k, want float64
	}{
		{0, 0, 2, 0},
		{100, 100, 2, 0},
		{100, 50, 2, 0},
		{99, 0, 2, 0.99},
		{399, 100, 2, 199.0 / 400},
		{300, 100, 1.5, 150.0 / 301},
	}
	for _, tt := range tests {
		if got := RejectProbability(tt.req, tt.acc, tt.k); got != tt.want {
			t.Errorf("RejectProbability(%v, %v, %v) = %v, want %v", tt.req, tt.acc, tt.k, got, tt.want)
		}
	}
}

func newThrottle(t *testing.T, opts ...ThrottleOption) *Throttle {
	t.Helper()
	th, err := NewThrottle(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// TestThrottle: while every call is accepted nothing is throttled; when the
// dependency refuses everything, nearly every call is throttled; once the
// window has passed, the counts are gone and calls go through again.
func TestThrottle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		th := newThrottle(t, WithThrottleWindow(time.Minute))
		overloaded := errors.New("503")
		for range 1000 {
			p, err := th.Acquire(t.Context())
			if err != nil {
				t.Fatalf("Acquire while healthy = %v, want a permit", err)
			}
			p.Release(nil)
		}
		time.Sleep(time.Minute) // the accepts leave the window
		rejected := 0
		for i := range 5000 {
			p, err := th.Acquire(t.Context())
			if err != nil {
				mustLimited(t, err, DefaultRetryAfter)
				if i >= 4000 {
					rejected++
				}
				continue
			}
			p.Release(overloaded)
		}
		if share := float64(rejected) / 1000; share < 0.95 {
			t.Fatalf("share throttled while refused = %v, want >= 0.95", share)
		}
		if s := th.Stats(); s.Accepts != 0 || s.Requests != 5000 {
			t.Fatalf("Stats() = %+v, want 5000 requests, 0 accepts", s)
		}
		time.Sleep(time.Minute)
		if s := th.Stats(); s.Requests != 0 || s.Probability != 0 {
			t.Fatalf("Stats() after the window = %+v, want empty", s)
		}
		if _, err := th.TryAcquire(); err != nil {
			t.Fatalf("TryAcquire after the window = %v, want a permit", err)
		}
	})
}

// TestThrottleSomeAccepted: with half the calls accepted and K = 2, the
// dependency is not throttled (requests stay below K × accepts).
func TestThrottleSomeAccepted(t *testing.T) {
	th := newThrottle(t)
	for i := range 2000 {
		p, err := th.TryAcquire()
		if err != nil {
			t.Fatalf("TryAcquire #%d = %v, want a permit while half are accepted", i, err)
		}
		if i%2 == 1 {
			p.Release(errors.New("503"))
		} else {
			p.Release(nil)
		}
	}
}

func TestThrottleCanceledIsNotOverload(t *testing.T) {
	th := newThrottle(t)
	for range 100 {
		_ = th.Do(context.Background(), func(context.Context) error { return context.Canceled })
	}
	if s := th.Stats(); s.Accepts != 100 {
		t.Fatalf("Stats().Accepts = %v, want 100", s.Accepts)
	}
	th = newThrottle(t, WithIsOverload(func(err error) bool { return err.Error() == "503" }))
	_ = th.Do(context.Background(), func(context.Context) error { return errors.New("404") })
	if s := th.Stats(); s.Accepts != 1 {
		t.Fatalf("Stats().Accepts after a 404 = %v, want 1", s.Accepts)
	}
}

// TestThrottleLateAcceptDropped: a call released after its request has
// left the window must not count as an accept in the window now (its
// bucket has been reused for a newer span of time).
func TestThrottleLateAcceptDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		th := newThrottle(t, WithThrottleWindow(10*time.Second))
		p, err := th.TryAcquire()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		if s := th.Stats(); s.Requests != 0 {
			t.Fatalf("Stats().Requests after the window = %v, want 0", s.Requests)
		}
		p.Release(nil)
		if s := th.Stats(); s.Accepts != 0 {
			t.Fatalf("Stats().Accepts after a late release = %v, want 0", s.Accepts)
		}
	})
}

// TestThrottleRand: two throttles drawing from equal sources reject the
// same calls, and a different seed rejects others.
func TestThrottleRand(t *testing.T) {
	decisions := func(seed uint64) []bool {
		var got []bool
		synctest.Test(t, func(t *testing.T) {
			th := newThrottle(t, WithThrottleRand(rand.NewPCG(seed, 0)))
			overloaded := errors.New("503")
			for range 2000 {
				p, err := th.TryAcquire()
				got = append(got, err != nil)
				if err == nil {
					p.Release(overloaded)
				}
			}
		})
		return got
	}
	a, b, c := decisions(1), decisions(1), decisions(2)
	if !slices.Equal(a, b) {
		t.Error("two throttles with equal sources rejected different calls")
	}
	if slices.Equal(a, c) {
		t.Error("throttles with different seeds rejected the same calls")
	}
	if !slices.Contains(a, true) {
		t.Error("no call rejected while the dependency refused every call")
	}
}
