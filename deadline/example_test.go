package deadline_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/holdfast-go/holdfast/deadline"
)

func ExampleRequire() {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	// The report query needs a second: fail fast instead of starting it.
	err := deadline.Require(ctx, time.Second)
	fmt.Println(errors.Is(err, deadline.ErrInsufficientBudget))
	var ib *deadline.InsufficientBudgetError
	if errors.As(err, &ib) {
		fmt.Println("required:", ib.Required)
	}
	// Output:
	// true
	// required: 1s
}

func ExampleReserve() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Keep 2s for writing the response after the call.
	callCtx, callCancel, err := deadline.Reserve(ctx, 2*time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer callCancel()
	budget, _ := deadline.Remaining(callCtx)
	fmt.Println("the call gets about", budget.Round(time.Second))

	// Headroom beyond the budget: nothing would be left for the call.
	_, cancel2, err := deadline.Reserve(ctx, 20*time.Second)
	defer cancel2()
	fmt.Println(errors.Is(err, deadline.ErrInsufficientBudget))
	// Output:
	// the call gets about 8s
	// true
}

func ExampleFraction() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Give the first of several calls at most 40% of what is left.
	callCtx, callCancel, err := deadline.Fraction(ctx, 0.4)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer callCancel()
	budget, _ := deadline.Remaining(callCtx)
	fmt.Println("the call gets about", budget.Round(time.Second))
	// Output: the call gets about 4s
}

func ExampleTighten() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()

	// The per-call timeout of a minute is looser than the caller's second:
	// Tighten leaves the context as it is.
	callCtx, callCancel := deadline.Tighten(ctx, time.Minute)
	defer callCancel()
	fmt.Println(callCtx == ctx)
	// Output: true
}

func ExampleWithTimeout() {
	ctx, cancel := deadline.WithTimeout(context.Background(), "request", time.Hour)
	defer cancel()
	// The database layer's timeout is the one that fires (at once, here).
	dbCtx, dbCancel := deadline.WithTimeout(ctx, "db", 0)
	defer dbCancel()

	<-dbCtx.Done()
	cause := context.Cause(dbCtx)
	layer, _ := deadline.Layer(cause)
	fmt.Println("layer:", layer)
	fmt.Println(errors.Is(cause, context.DeadlineExceeded))
	fmt.Println(cause)
	// Output:
	// layer: db
	// true
	// deadline: db timeout (0s) exceeded
}

func ExampleParseGRPCTimeout() {
	d, err := deadline.ParseGRPCTimeout("250m")
	fmt.Println(d, err)
	_, err = deadline.ParseGRPCTimeout("250ms")
	fmt.Println(errors.Is(err, deadline.ErrInvalidTimeout))
	// Output:
	// 250ms <nil>
	// true
}

func ExampleAppendGRPCTimeout() {
	var buf [16]byte
	fmt.Println(string(deadline.AppendGRPCTimeout(buf[:0], 1500*time.Millisecond)))
	fmt.Println(string(deadline.AppendGRPCTimeout(buf[:0], 2*time.Hour)))
	// Output:
	// 1500000u
	// 7200000m
}

// memTransport serves requests in memory with a handler. It stands in for
// the network between the services of the example.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// This example wires a client, service A and service B together: each hop's
// transport passes its remaining budget on, each hop's middleware turns it
// into its request's deadline.
func ExampleMiddleware() {
	// Service B grants at most 2s, whatever its callers ask for.
	mwB, err := deadline.Middleware(deadline.WithMaxTimeout(2 * time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	serviceB := mwB(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		budget, _ := deadline.Remaining(r.Context())
		fmt.Println("B has about", budget.Round(100*time.Millisecond))
	}))

	// Service A calls B through the deadline transport.
	toB, err := deadline.Transport(memTransport{serviceB})
	if err != nil {
		fmt.Println(err)
		return
	}
	clientA := &http.Client{Transport: toB}
	mwA, err := deadline.Middleware()
	if err != nil {
		fmt.Println(err)
		return
	}
	serviceA := mwA(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		budget, _ := deadline.Remaining(r.Context())
		fmt.Println("A has about", budget.Round(100*time.Millisecond))
		// A keeps a second for its own work once B has answered.
		ctx, cancel, err := deadline.Reserve(r.Context(), time.Second)
		defer cancel()
		if err != nil {
			fmt.Println("A: B not called:", errors.Is(err, deadline.ErrInsufficientBudget))
			w.WriteHeader(http.StatusGatewayTimeout)
			return
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://b.example/", nil)
		resp, err := clientA.Do(req)
		if err != nil {
			fmt.Println("A:", err)
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		resp.Body.Close()
	}))

	toA, err := deadline.Transport(memTransport{serviceA})
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Transport: toA}
	get := func(budget time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://a.example/", nil)
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println("client: A not called:", errors.Is(err, deadline.ErrInsufficientBudget))
			return
		}
		resp.Body.Close()
		fmt.Println("client: status", resp.StatusCode)
	}

	get(5 * time.Second)        // B's maximum caps what A passes on
	get(500 * time.Millisecond) // A cannot keep its second of headroom
	get(3 * time.Millisecond)   // under the client transport's 5ms allowance
	// Output:
	// A has about 5s
	// B has about 2s
	// client: status 200
	// A has about 500ms
	// A: B not called: true
	// client: status 504
	// client: A not called: true
}
