package faultinject_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall"

	"github.com/holdfast-go/holdfast/faultinject"
)

// A script of faults: a 503 with a Retry-After, a connection reset, then a
// success. Nothing goes to the network: every request is answered by a
// fault.
func Example() {
	ft, err := faultinject.New(nil, faultinject.WithScript(
		faultinject.Fault{Status: 503, Header: http.Header{"Retry-After": {"2"}}},
		faultinject.Fault{Err: faultinject.ErrConnReset},
		faultinject.Fault{Status: 200, Body: "hello"},
	))
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Transport: ft}
	for range 3 {
		resp, err := client.Get("http://svc.test/")
		if err != nil {
			fmt.Println("reset:", errors.Is(err, syscall.ECONNRESET))
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%s Retry-After=%q body=%q\n", resp.Status, resp.Header.Get("Retry-After"), body)
	}
	for i, c := range ft.Calls() {
		fmt.Println(i, c.Method, c.URL, c.Status, c.BodyClosed)
	}
	// Output:
	// 503 Service Unavailable Retry-After="2" body=""
	// reset: true
	// 200 OK Retry-After="" body="hello"
	// 0 GET http://svc.test/ 503 true
	// 1 GET http://svc.test/ 0 false
	// 2 GET http://svc.test/ 200 true
}

// Faults by chance: a seeded generator gives each request a 503 with
// probability 0.2 and a reset with probability 0.1; the same seed gives
// the same sequence on every run.
func ExampleWithChance() {
	ft, err := faultinject.New(nil,
		faultinject.WithSeed(42),
		faultinject.WithChance(0.2, faultinject.Fault{Status: 503}),
		faultinject.WithChance(0.1, faultinject.Fault{Err: faultinject.ErrConnReset}),
		faultinject.WithChance(0.7, faultinject.Fault{Status: 200}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	counts := map[string]int{}
	for range 1000 {
		req, _ := http.NewRequest(http.MethodGet, "http://svc.test/", nil)
		resp, err := ft.RoundTrip(req)
		if err != nil {
			counts["reset"]++
			continue
		}
		resp.Body.Close()
		counts[resp.Status]++
	}
	fmt.Println(counts)
	// Output: map[200 OK:693 503 Service Unavailable:192 reset:115]
}
