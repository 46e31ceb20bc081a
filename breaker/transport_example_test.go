package breaker_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/faultinject"
)

// A client guarded by a breaker: two 503s open it, and the next request
// fails at once with ErrOpen, without reaching the network (here a fault
// injector that answers in its place).
func ExampleTransport() {
	network, _ := faultinject.New(nil, faultinject.WithScript(
		faultinject.Fault{Status: 503},
		faultinject.Fault{Status: 503},
		faultinject.Fault{Status: 200},
	))
	b, err := breaker.New(breaker.WithName("inventory"), breaker.WithConsecutiveFailures(2),
		breaker.WithOpenDuration(time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	rt, err := breaker.Transport(network, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Transport: rt}
	for range 3 {
		resp, err := client.Get("http://inventory.internal/item/7")
		if err != nil {
			fmt.Println("rejected:", errors.Is(err, breaker.ErrOpen))
			continue
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	fmt.Println(b.State(), "after", len(network.Calls()), "requests on the network")
	// Output:
	// 503 Service Unavailable
	// 503 Service Unavailable
	// rejected: true
	// open after 2 requests on the network
}

// WithClassifier makes a 429 a failure, where DefaultClassifier ignores
// it: two 429s in a row open this breaker.
func ExampleWithClassifier() {
	strict := breaker.WithClassifier(func(resp *http.Response) breaker.Outcome {
		if resp.StatusCode == http.StatusTooManyRequests {
			return breaker.Failure
		}
		return breaker.DefaultClassifier(resp)
	})
	network, _ := faultinject.New(nil, faultinject.WithScript(
		faultinject.Fault{Status: 429},
		faultinject.Fault{Status: 429},
	))
	b, _ := breaker.New(breaker.WithConsecutiveFailures(2))
	rt, err := breaker.Transport(network, b, strict)
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, "http://quota.internal/", nil)
		if resp, err := rt.RoundTrip(req); err == nil {
			resp.Body.Close()
		}
	}
	fmt.Println(b.State())
	// Output: open
}
