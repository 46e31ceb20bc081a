package limit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/holdfast-go/holdfast/limit"
)

// A bulkhead of two places: the third call finds none and, with no room to
// wait, is rejected at once with a retry-after hint.
func ExampleBulkhead() {
	b, err := limit.NewBulkhead(2, limit.WithRetryAfter(500*time.Millisecond))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	p1, _ := b.Acquire(ctx)
	p2, _ := b.Acquire(ctx)
	_, err = b.Acquire(ctx)
	var le *limit.LimitedError
	fmt.Println(errors.Is(err, limit.ErrLimited), errors.As(err, &le) && le.RetryAfter() == 500*time.Millisecond)

	p1.Release(nil)
	p2.Release(nil)
	s := b.Stats()
	fmt.Printf("admitted %d, rejected %d, in flight %d\n", s.Admitted, s.Rejected, s.InFlight)
	// Output:
	// true true
	// admitted 2, rejected 1, in flight 0
}

// Do acquires a place, runs fn and releases the place with fn's outcome.
func ExampleBulkhead_Do() {
	b, _ := limit.NewBulkhead(10, limit.WithMaxWaiting(100), limit.WithMaxWait(50*time.Millisecond))
	err := b.Do(context.Background(), func(ctx context.Context) error {
		fmt.Println("calling the dependency")
		return nil
	})
	fmt.Println(err)
	// Output:
	// calling the dependency
	// <nil>
}

// An adaptive limit starts from its initial limit and moves with the
// latency of the calls released through it.
func ExampleNewVegas() {
	v, err := limit.NewVegas(limit.WithLimits(10, 500), limit.WithInitialLimit(50))
	if err != nil {
		panic(err)
	}
	p, err := v.TryAcquire()
	if err != nil {
		panic(err)
	}
	p.Release(nil) // the call's outcome: nil for success
	fmt.Println(v.Limit())
	// Output:
	// 50
}

// The throttle rejects with the SRE book's probability: after 100 calls of
// which 25 were accepted, with K = 2, half the next calls are rejected.
func ExampleRejectProbability() {
	fmt.Printf("%.2f\n", limit.RejectProbability(100, 25, 2))
	fmt.Printf("%.2f\n", limit.RejectProbability(100, 60, 2))
	// Output:
	// 0.50
	// 0.00
}

// Shed answers 503 with Retry-After when the limiter rejects a request;
// the health check is Critical and never shed.
func ExampleShed() {
	b, _ := limit.NewBulkhead(1)
	shed, err := limit.Shed(b, limit.WithPriority(func(r *http.Request) limit.Priority {
		if r.URL.Path == "/healthz" {
			return limit.Critical
		}
		return limit.Normal
	}))
	if err != nil {
		panic(err)
	}
	h := shed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))

	busy, _ := b.TryAcquire() // every place is taken
	for _, path := range []string{"/item", "/healthz"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, rec.Code, rec.Header().Get("Retry-After"))
	}
	busy.Release(nil)
	// Output:
	// /item 503 1
	// /healthz 200
}

// Two places per tenant: a tenant that uses both is rejected, the others
// are not.
func ExampleKeyedBulkhead() {
	kb, err := limit.NewKeyedBulkhead[string](2, 0)
	if err != nil {
		panic(err)
	}
	a1, _ := kb.TryAcquire("tenant-a")
	a2, _ := kb.TryAcquire("tenant-a")
	_, errA := kb.TryAcquire("tenant-a")
	b1, errB := kb.TryAcquire("tenant-b")
	fmt.Println(errors.Is(errA, limit.ErrLimited), errB)
	for _, p := range []*limit.Permit{&a1, &a2, &b1} {
		p.Release(nil)
	}
	fmt.Println(kb.Keys(), "keys in use")
	// Output:
	// true <nil>
	// 0 keys in use
}

// A token bucket per client in this process: 10 a second, burst 2.
func ExampleKeyedRate() {
	k, err := limit.NewKeyedRate[string](10, 2, 0)
	if err != nil {
		panic(err)
	}
	now := time.Unix(0, 0)
	for range 3 {
		fmt.Println(k.AllowN(now, "client-a", 1))
	}
	fmt.Println(k.AllowN(now, "client-b", 1))
	// Output:
	// <nil>
	// <nil>
	// limit: rejected by rate, retry after 100ms
	// <nil>
}
