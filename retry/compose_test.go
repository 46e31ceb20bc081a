package retry_test

// The composition of the HTTP transports, in the order the package doc
// gives: retry.Transport outermost, then breaker.Transport, then
// deadline.Transport innermost. This external test package imports the
// other pattern packages; package retry itself does not.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/faultinject"
	"github.com/holdfast-go/holdfast/retry"
)

// stack builds retry(breaker(deadline(base))).
func stack(t *testing.T, base http.RoundTripper, b *breaker.Breaker, p *retry.Policy) http.RoundTripper {
	t.Helper()
	rt, err := deadline.Transport(base, deadline.WithNetworkAllowance(0))
	if err != nil {
		t.Fatal(err)
	}
	if rt, err = breaker.Transport(rt, b); err != nil {
		t.Fatal(err)
	}
	if rt, err = retry.Transport(rt, p); err != nil {
		t.Fatal(err)
	}
	return rt
}

func mustBreaker(t *testing.T, opts ...breaker.Option) *breaker.Breaker {
	t.Helper()
	b, err := breaker.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustPolicy(t *testing.T, opts ...retry.Option) *retry.Policy {
	t.Helper()
	p, err := retry.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func script(t *testing.T, faults ...faultinject.Fault) *faultinject.Transport {
	t.Helper()
	ft, err := faultinject.New(nil, faultinject.WithScript(faults...))
	if err != nil {
		t.Fatal(err)
	}
	return ft
}

var (
	unavailable = faultinject.Fault{Status: 503, Body: "busy"}
	fine        = faultinject.Fault{Status: 200, Body: "ok"}
)

// When the breaker opens during a request's retries, the retry waits for
// the next probe instead of being rejected again at once, and each attempt
// carries its own remaining budget.
func TestComposeWaitsForProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustBreaker(t, breaker.WithConsecutiveFailures(2), breaker.WithOpenDuration(3*time.Second))
		p := mustPolicy(t, retry.WithMaxAttempts(5), retry.WithStrategy(retry.Constant(10*time.Millisecond)))
		ft := script(t, unavailable, unavailable, fine)
		rt := stack(t, ft, b, p)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://svc.test/", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("RoundTrip = %v, %v; want 200", resp, err)
		}
		resp.Body.Close()
		// 503 at 0, 503 at 10ms (the breaker opens until 3.01s), rejected at
		// 20ms with 2.99s to wait, the probe at 3.01s.
		if got := time.Since(start); got != 3010*time.Millisecond {
			t.Errorf("RoundTrip took %v, want 3.01s", got)
		}
		var budgets []string
		for _, c := range ft.Calls() {
			budgets = append(budgets, c.Header.Get(deadline.HeaderTimeout))
		}
		if want := []string{"10000", "9990", "6990"}; !slices.Equal(budgets, want) {
			t.Errorf("the network got budgets %v, want %v", budgets, want)
		}
		if st := b.Stats(); st.State != breaker.StateClosed || st.Rejected != 1 {
			t.Errorf("breaker %v with %d rejected, want closed with 1", st.State, st.Rejected)
		}
	})
}

// When the next probe comes after the deadline, or later than the
// policy's cap on Retry-After, the retry stops at once with the breaker's
// rejection.
func TestComposeStopsWhenProbeTooLate(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		opts    []retry.Option
	}{
		{"past the deadline", time.Second, nil},
		{"beyond WithMaxRetryAfter", time.Hour, []retry.Option{retry.WithMaxRetryAfter(time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := mustBreaker(t, breaker.WithConsecutiveFailures(2), breaker.WithOpenDuration(3*time.Second))
				opts := append([]retry.Option{retry.WithMaxAttempts(5), retry.WithStrategy(retry.Constant(10 * time.Millisecond))}, tt.opts...)
				ft := script(t, unavailable, unavailable, fine)
				rt := stack(t, ft, b, mustPolicy(t, opts...))
				ctx, cancel := context.WithTimeout(t.Context(), tt.timeout)
				defer cancel()
				start := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://svc.test/", nil)
				_, err := rt.RoundTrip(req)
				if !errors.Is(err, breaker.ErrOpen) || !errors.Is(err, retry.ErrOutOfTime) {
					t.Fatalf("RoundTrip error = %v, want ErrOpen and ErrOutOfTime", err)
				}
				if got := time.Since(start); got != 20*time.Millisecond || len(ft.Calls()) != 2 {
					t.Errorf("RoundTrip took %v and %d calls, want 20ms and 2", got, len(ft.Calls()))
				}
			})
		})
	}
}

// The whole stack over a real server: a POST with an Idempotency-Key is
// retried with the same body over one connection, the budget header
// arrives, the breaker counts the failures.
func TestComposeEndToEnd(t *testing.T) {
	var conns, n atomic.Int64
	var mu sync.Mutex
	var bodies, budgets []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		budgets = append(budgets, r.Header.Get(deadline.HeaderTimeout))
		mu.Unlock()
		if n.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "charged")
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	b := mustBreaker(t, breaker.WithConsecutiveFailures(5))
	client := &http.Client{Transport: stack(t, base, b, mustPolicy(t))}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader("amount=10"))
	req.Header.Set(retry.HeaderIdempotencyKey, "order-1")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "charged" {
		t.Fatalf("response = %d %q, want 200 charged", resp.StatusCode, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 3 || bodies[0] != "amount=10" || bodies[1] != bodies[0] || bodies[2] != bodies[0] {
		t.Errorf("server got bodies %q, want amount=10 three times", bodies)
	}
	for i, s := range budgets {
		if ms, err := strconv.Atoi(s); err != nil || ms <= 0 || ms > 60_000 {
			t.Errorf("attempt %d carried budget %q, want milliseconds in (0, 60000]", i+1, s)
		}
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("3 attempts over %d connections, want 1", got)
	}
	if st := b.Stats(); st.State != breaker.StateClosed || st.ConsecutiveFailures != 0 {
		t.Errorf("breaker = %+v, want closed with the run of failures ended", st)
	}
}
