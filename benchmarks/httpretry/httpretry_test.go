// Package httpretry_test compares holdfast's retry.Transport (alone, and
// composed with breaker.Transport) with hashicorp/go-retryablehttp's
// RoundTripper and failsafe-go's failsafehttp RoundTripper, as the
// http.RoundTripper of a client.
//
// Every side wraps the same base, a stub RoundTripper that answers at once
// from memory (no network), so that the figures are what each library adds
// to a request, not a round trip. Every side makes at most 3 attempts with
// no delay between them and retries 503. impl=direct is the stub alone: the
// floor, not a peer.
//
// go-retryablehttp's RoundTripper sends each attempt through an
// http.Client of its own (its Client.HTTPClient, here over the stub), and
// copies the request into a retryablehttp.Request first; that is part of
// what it costs, and it is measured as it is used.
package httpretry_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go/failsafehttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/retry"
)

// attempts is the attempt cap of every side.
const attempts = 3

// stub answers 200, or 503 on every other request when flaky.
type stub struct {
	flaky bool
	n     atomic.Int64
	ok    *http.Response
	busy  *http.Response
}

func newStub(flaky bool) *stub {
	return &stub{
		flaky: flaky,
		ok:    &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: http.NoBody, Header: http.Header{}},
		busy:  &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Body: http.NoBody, Header: http.Header{}},
	}
}

func (s *stub) RoundTrip(*http.Request) (*http.Response, error) {
	if s.flaky && s.n.Add(1)%2 == 1 {
		return s.busy, nil
	}
	return s.ok, nil
}

// impl builds one library's RoundTripper over base.
type impl struct {
	name  string
	build func(tb testing.TB, base http.RoundTripper) http.RoundTripper
}

var impls = []impl{
	{"direct", func(_ testing.TB, base http.RoundTripper) http.RoundTripper { return base }},
	{"holdfast", func(tb testing.TB, base http.RoundTripper) http.RoundTripper {
		return holdfastRetry(tb, base)
	}},
	{"holdfast-breaker", holdfastBreaker},
	{"holdfast-retry+breaker", func(tb testing.TB, base http.RoundTripper) http.RoundTripper {
		return holdfastRetry(tb, holdfastBreaker(tb, base))
	}},
	{"retryablehttp", func(_ testing.TB, base http.RoundTripper) http.RoundTripper {
		c := retryablehttp.NewClient()
		c.HTTPClient = &http.Client{Transport: base}
		c.Logger = nil
		c.RetryMax = attempts - 1
		c.RetryWaitMin, c.RetryWaitMax = 0, 0
		return &retryablehttp.RoundTripper{Client: c}
	}},
	{"failsafe", func(_ testing.TB, base http.RoundTripper) http.RoundTripper {
		rp := failsafehttp.NewRetryPolicyBuilder().WithMaxAttempts(attempts).WithDelay(0).Build()
		return failsafehttp.NewRoundTripper(base, rp)
	}},
}

func holdfastRetry(tb testing.TB, base http.RoundTripper) http.RoundTripper {
	p, err := retry.New(retry.WithMaxAttempts(attempts), retry.WithStrategy(retry.Constant(time.Nanosecond)))
	if err != nil {
		tb.Fatal(err)
	}
	rt, err := retry.Transport(base, p)
	if err != nil {
		tb.Fatal(err)
	}
	return rt
}

// holdfastBreaker returns base behind a breaker that stays closed through
// the benchmarks' failures.
func holdfastBreaker(tb testing.TB, base http.RoundTripper) http.RoundTripper {
	b, err := breaker.New(breaker.WithConsecutiveFailures(1000))
	if err != nil {
		tb.Fatal(err)
	}
	rt, err := breaker.Transport(base, b)
	if err != nil {
		tb.Fatal(err)
	}
	return rt
}

func request(tb testing.TB) *http.Request {
	req, err := http.NewRequest(http.MethodGet, "http://svc.test/item", nil)
	if err != nil {
		tb.Fatal(err)
	}
	return req
}

// BenchmarkSuccess measures a GET whose first attempt succeeds: what every
// request pays when the server is healthy.
func BenchmarkSuccess(b *testing.B) {
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			rt := im.build(b, newStub(false))
			req := request(b)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := rt.RoundTrip(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("RoundTrip = %v, %v; want 200", resp, err)
				}
			}
		})
	}
}

// BenchmarkSuccessParallel is BenchmarkSuccess from every core at once.
func BenchmarkSuccessParallel(b *testing.B) {
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			rt := im.build(b, newStub(false))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := request(b)
				for pb.Next() {
					resp, err := rt.RoundTrip(req)
					if err != nil || resp.StatusCode != http.StatusOK {
						b.Errorf("RoundTrip = %v, %v; want 200", resp, err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkOneRetry measures a GET whose first attempt gets a 503 and
// whose second succeeds, with no delay between them.
func BenchmarkOneRetry(b *testing.B) {
	for _, im := range impls {
		if im.name == "direct" || im.name == "holdfast-breaker" {
			continue
		}
		b.Run("impl="+im.name, func(b *testing.B) {
			rt := im.build(b, newStub(true))
			req := request(b)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := rt.RoundTrip(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("RoundTrip = %v, %v; want 200", resp, err)
				}
			}
		})
	}
}
