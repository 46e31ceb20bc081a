package deadline

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// hop is one service of a chain: its middleware in front of handler, and a
// client (with the deadline transport) for calling the next hop.
type hop struct {
	server *httptest.Server
	client *http.Client
}

// newHop starts a real HTTP server for handler behind the middleware; its
// client carries budgets to the next hop. Both are closed at cleanup.
func newHop(t *testing.T, handler func(c *http.Client, w http.ResponseWriter, r *http.Request)) *hop {
	t.Helper()
	mw, err := Middleware()
	if err != nil {
		t.Fatal(err)
	}
	h := &hop{client: newClient(t)}
	h.server = httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler(h.client, w, r)
	})))
	t.Cleanup(h.server.Close)
	return h
}

// newClient returns a client whose transport carries budgets; its idle
// connections are closed at cleanup.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	base := &http.Transport{}
	rt, err := Transport(base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(base.CloseIdleConnections)
	return &http.Client{Transport: rt}
}

// call sends a GET to url with ctx through client and reports the status.
func call(ctx context.Context, client *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// forward is service A's handler: it calls next and answers 504 when its
// budget cannot cover the call.
func forward(next *string) func(c *http.Client, w http.ResponseWriter, r *http.Request) {
	return func(c *http.Client, w http.ResponseWriter, r *http.Request) {
		status, err := call(r.Context(), c, *next)
		switch {
		case errors.Is(err, ErrInsufficientBudget):
			w.WriteHeader(http.StatusGatewayTimeout)
		case err != nil:
			w.WriteHeader(http.StatusBadGateway)
		default:
			w.WriteHeader(status)
		}
	}
}

func TestChainBudgetShrinks(t *testing.T) {
	budgets := make(chan time.Duration, 2) // A's, then B's
	record := func(r *http.Request) {
		d, _ := Remaining(r.Context())
		budgets <- d
	}
	b := newHop(t, func(_ *http.Client, w http.ResponseWriter, r *http.Request) { record(r) })
	next := b.server.URL
	a := newHop(t, func(c *http.Client, w http.ResponseWriter, r *http.Request) {
		record(r)
		forward(&next)(c, w, r)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, err := call(ctx, newClient(t), a.server.URL)
	if err != nil || status != http.StatusOK {
		t.Fatalf("client → A = %d, %v, want 200", status, err)
	}
	budgetA, budgetB := <-budgets, <-budgets
	// Each hop writes what remains less the allowance, so every budget is at
	// least the allowance below the one before it, however fast the hops run.
	if budgetA > 10*time.Second-DefaultNetworkAllowance {
		t.Errorf("A's budget = %v, want at most %v", budgetA, 10*time.Second-DefaultNetworkAllowance)
	}
	if budgetB > budgetA-DefaultNetworkAllowance || budgetB <= 0 {
		t.Errorf("B's budget = %v with A's %v, want positive and at most A's less %v", budgetB, budgetA, DefaultNetworkAllowance)
	}
}

func TestChainCancelStopsB(t *testing.T) {
	started := make(chan struct{}, 1)
	stopped := make(chan error, 1)
	b := newHop(t, func(_ *http.Client, w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
		stopped <- r.Context().Err()
	})
	next := b.server.URL
	a := newHop(t, func(c *http.Client, w http.ResponseWriter, r *http.Request) {
		forward(&next)(c, w, r)
	})
	client := newClient(t)
	// The budget is long: if cancellation did not travel, B would only stop
	// at its deadline, with DeadlineExceeded.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := call(ctx, client, a.server.URL)
		done <- err
	}()
	<-started
	cancel()
	if err := <-stopped; err != context.Canceled {
		t.Errorf("B's context ended with %v, want Canceled (the client's cancellation)", err)
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client error = %v, want Canceled", err)
	}
}

func TestChainInsufficientBudgetNeverSends(t *testing.T) {
	var callsA, callsB atomic.Int32
	b := newHop(t, func(_ *http.Client, w http.ResponseWriter, r *http.Request) {
		callsB.Add(1)
	})
	next := b.server.URL
	a := newHop(t, func(c *http.Client, w http.ResponseWriter, r *http.Request) {
		callsA.Add(1)
		forward(&next)(c, w, r)
	})
	client := newClient(t)

	// A is given 3ms: less than its transport's 5ms allowance, so A's call to
	// B is refused before it reaches the network. (Without a deadline on its
	// context, the client's transport leaves this header as it is.)
	req, _ := http.NewRequest(http.MethodGet, a.server.URL, nil)
	req.Header.Set(HeaderTimeout, "3")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout || callsA.Load() != 1 || callsB.Load() != 0 {
		t.Errorf("A with 3ms: status %d, A called %d, B called %d, want 504, 1, 0", resp.StatusCode, callsA.Load(), callsB.Load())
	}

	// The client itself has too little: A is never called either.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
	defer cancel()
	if _, err := call(ctx, client, a.server.URL); !errors.Is(err, ErrInsufficientBudget) {
		t.Errorf("client with 2ms: error %v, want ErrInsufficientBudget", err)
	}
	if callsA.Load() != 1 || callsB.Load() != 0 {
		t.Errorf("client with 2ms: A called %d, B called %d in all, want 1, 0", callsA.Load(), callsB.Load())
	}
}

// memTransport serves requests in memory with a handler: a network without
// sockets, so a chain can run in a synctest bubble on fake time.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// memHop wraps handler in a middleware built with mwOpts and returns a
// client reaching it in memory through the deadline transport built with
// trOpts.
func memHop(t *testing.T, handler http.HandlerFunc, mwOpts []MiddlewareOption, trOpts ...TransportOption) *http.Client {
	t.Helper()
	mw, err := Middleware(mwOpts...)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Transport(memTransport{mw(handler)}, trOpts...)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: rt}
}

func TestChainFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var budgetA, budgetB time.Duration
		var causeB error
		toB := memHop(t, func(w http.ResponseWriter, r *http.Request) {
			budgetB, _ = Remaining(r.Context())
			<-r.Context().Done()
			causeB = context.Cause(r.Context())
		}, []MiddlewareOption{WithMaxTimeout(500 * time.Millisecond)})
		toA := memHop(t, func(w http.ResponseWriter, r *http.Request) {
			budgetA, _ = Remaining(r.Context())
			time.Sleep(100 * time.Millisecond) // A's own work
			if _, err := call(r.Context(), toB, "http://b.test/"); err != nil {
				t.Errorf("A → B error %v", err)
			}
		}, nil, WithNetworkAllowance(10*time.Millisecond))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := call(ctx, toA, "http://a.test/"); err != nil {
			t.Fatalf("client → A error %v", err)
		}
		// client → A: 1s less toA's 10ms allowance. A → B: 890ms less toB's
		// default 5ms, capped at B's 500ms maximum, the layer that expires.
		if budgetA != 990*time.Millisecond || budgetB != 500*time.Millisecond {
			t.Errorf("budgets A %v, B %v, want 990ms, 500ms", budgetA, budgetB)
		}
		if te, ok := causeB.(*TimeoutError); !ok || te.Layer != DefaultLayer || te.Timeout != 500*time.Millisecond {
			t.Errorf("B's cause = %v, want B's request layer of 500ms", causeB)
		}
	})
}

func TestChainFakeTimeCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stopped := make(chan error, 1)
		toB := memHop(t, func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			stopped <- r.Context().Err()
		}, nil)
		// memTransport returns B's response once B's handler returns: the
		// calls end without error, and what matters is how B's handler ended.
		toA := memHop(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = call(r.Context(), toB, "http://b.test/")
		}, nil)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		go func() {
			time.Sleep(100 * time.Millisecond)
			cancel()
		}()
		start := time.Now()
		_, _ = call(ctx, toA, "http://a.test/")
		if err := <-stopped; err != context.Canceled || time.Since(start) != 100*time.Millisecond {
			t.Errorf("B stopped with %v after %v, want Canceled after 100ms", err, time.Since(start))
		}
	})
}
