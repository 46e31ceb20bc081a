package retry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/faultinject"
	"github.com/holdfast-go/holdfast/retry"
)

// A client whose requests are retried: the server answers 503, then 200.
// The examples use a fault injector in place of the network, and delays of
// a nanosecond, so that they run at once.
func ExampleTransport() {
	network, _ := faultinject.New(nil, faultinject.WithScript(
		faultinject.Fault{Status: 503, Body: "busy"},
		faultinject.Fault{Status: 200, Body: "hello"},
	))
	policy, err := retry.New(retry.WithStrategy(retry.Constant(time.Nanosecond)))
	if err != nil {
		fmt.Println(err)
		return
	}
	rt, err := retry.Transport(network, policy)
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Transport: rt}
	resp, err := client.Get("http://inventory.internal/item/7")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status, "after", len(network.Calls()), "attempts")
	// Output: 200 OK after 2 attempts
}

// A POST is retried only when it carries an Idempotency-Key: without one,
// the first answer, a 503 here, is the answer.
func ExampleTransport_idempotencyKey() {
	policy, _ := retry.New(retry.WithStrategy(retry.Constant(time.Nanosecond)))
	for _, key := range []string{"", "order-1234"} {
		network, _ := faultinject.New(nil, faultinject.WithScript(
			faultinject.Fault{Status: 503},
			faultinject.Fault{Status: 201},
		))
		rt, _ := retry.Transport(network, policy)
		req, _ := http.NewRequest(http.MethodPost, "http://payments.internal/charges", strings.NewReader(`{"amount":10}`))
		if key != "" {
			req.Header.Set(retry.HeaderIdempotencyKey, key)
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Printf("key %q: %s after %d attempt(s)\n", key, resp.Status, len(network.Calls()))
	}
	// Output:
	// key "": 503 Service Unavailable after 1 attempt(s)
	// key "order-1234": 201 Created after 2 attempt(s)
}

// The transports composed: retry outermost, then the breaker, then the
// deadline's budget propagation next to the network. Two 503s open the
// breaker for a minute; the next attempt is rejected without reaching the
// network, and since the next probe comes after the request's deadline,
// the retry stops at once instead of waiting.
func ExampleTransport_composition() {
	network, _ := faultinject.New(nil, faultinject.WithScript(
		faultinject.Fault{Status: 503},
		faultinject.Fault{Status: 503},
	))
	b, _ := breaker.New(breaker.WithConsecutiveFailures(2), breaker.WithOpenDuration(time.Minute))
	policy, _ := retry.New(retry.WithMaxAttempts(5), retry.WithStrategy(retry.Constant(time.Nanosecond)))

	rt, err := deadline.Transport(network)
	if err == nil {
		rt, err = breaker.Transport(rt, b)
	}
	if err == nil {
		rt, err = retry.Transport(rt, policy)
	}
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://inventory.internal/item/7", nil)
	_, err = rt.RoundTrip(req)
	fmt.Println("breaker open:", errors.Is(err, breaker.ErrOpen))
	fmt.Println("no time to wait for the probe:", errors.Is(err, retry.ErrOutOfTime))
	fmt.Println("requests on the network:", len(network.Calls()))
	// Output:
	// breaker open: true
	// no time to wait for the probe: true
	// requests on the network: 2
}

// ParseRetryAfter reads both forms of the header.
func ExampleParseRetryAfter() {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for _, v := range []string{"120", "Mon, 07 Dec 2026 10:00:30 GMT", "soon"} {
		d, ok := retry.ParseRetryAfter(v, now)
		fmt.Println(d, ok)
	}
	// Output:
	// 2m0s true
	// 30s true
	// 0s false
}
