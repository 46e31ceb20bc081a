package deadline

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// stubTransport records the requests it gets and answers 204.
type stubTransport struct {
	calls atomic.Int32
	got   *http.Request
	edit  func(*http.Request) // optional: what a downstream might do
}

func (s *stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.calls.Add(1)
	s.got = r
	if s.edit != nil {
		s.edit(r)
	}
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
}

func newTransport(t *testing.T, base http.RoundTripper, opts ...TransportOption) http.RoundTripper {
	t.Helper()
	rt, err := Transport(base, opts...)
	if err != nil {
		t.Fatalf("Transport(%v) error %v", opts, err)
	}
	return rt
}

func TestTransportWritesBudget(t *testing.T) {
	tests := []struct {
		name             string
		opts             []TransportOption
		timeout, elapsed time.Duration
		wantMS, wantGRPC string
		wantHeader       string
	}{
		{"default allowance", nil, time.Second, 0, "995", "", HeaderTimeout},
		{"after some work", []TransportOption{WithNetworkAllowance(0)}, time.Second, 250 * time.Millisecond, "750", "", HeaderTimeout},
		{"with grpc", []TransportOption{WithGRPCTimeout(true)}, time.Second, 0, "995", "995000u", HeaderTimeout},
		{"truncated", []TransportOption{WithGRPCTimeout(true), WithNetworkAllowance(0)}, time.Second + 500*time.Microsecond, 0, "1000", "1000500u", HeaderTimeout},
		{"short", []TransportOption{WithGRPCTimeout(true), WithNetworkAllowance(time.Millisecond)}, 3 * time.Millisecond, 0, "2", "2000000n", HeaderTimeout},
		{"custom header", []TransportOption{WithHeader("x-budget-ms")}, time.Second, 0, "995", "", "X-Budget-Ms"},
		{"beyond 8 digits", []TransportOption{WithGRPCTimeout(true)}, 1000 * time.Hour, 0, "99999999", "3599999S", HeaderTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				stub := &stubTransport{}
				rt := newTransport(t, stub, tt.opts...)
				ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
				defer cancel()
				time.Sleep(tt.elapsed)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://b.test/", nil)
				if _, err := rt.RoundTrip(req); err != nil {
					t.Fatalf("RoundTrip error %v", err)
				}
				if got := stub.got.Header.Get(tt.wantHeader); got != tt.wantMS {
					t.Errorf("%s = %q, want %q", tt.wantHeader, got, tt.wantMS)
				}
				if got := stub.got.Header.Get(HeaderGRPCTimeout); got != tt.wantGRPC {
					t.Errorf("Grpc-Timeout = %q, want %q", got, tt.wantGRPC)
				}
			})
		})
	}
}

func TestTransportDoesNotModifyRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		accept := make([]string, 1, 4) // spare capacity a careless append would write into
		accept[0] = "text/plain"
		stub := &stubTransport{edit: func(r *http.Request) {
			r.Header.Add("Accept", "application/json")
			r.Header.Set("X-Trace", "downstream")
			r.Header.Del("X-Caller")
		}}
		rt := newTransport(t, stub)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://b.test/x?y=1", strings.NewReader("body"))
		req.Header["Accept"] = accept
		req.Header.Set("X-Caller", "a")
		req.Header.Set(HeaderTimeout, "99999")
		if _, err := rt.RoundTrip(req); err != nil {
			t.Fatalf("RoundTrip error %v", err)
		}
		if stub.got == req {
			t.Fatal("base got the caller's request, want a copy")
		}
		if got := stub.got.Header.Get(HeaderTimeout); got != "995" {
			t.Errorf("copy's %s = %q, want 995 (the caller's value replaced)", HeaderTimeout, got)
		}
		want := http.Header{"Accept": {"text/plain"}, "X-Caller": {"a"}, HeaderTimeout: {"99999"}}
		if len(req.Header) != len(want) {
			t.Errorf("caller's header = %v, want %v", req.Header, want)
		}
		for k, v := range want {
			if got := req.Header[k]; len(got) != len(v) || got[0] != v[0] {
				t.Errorf("caller's %s = %q, want %q", k, got, v)
			}
		}
		if spare := accept[:2][1]; spare != "" {
			t.Errorf("caller's Accept backing array written: %q", spare)
		}
		if got := stub.got.Header["Accept"]; len(got) != 2 {
			t.Errorf("copy's Accept = %q, want two values", got)
		}
		if stub.got.Method != req.Method || stub.got.URL != req.URL || stub.got.Body != req.Body || stub.got.Context() != ctx {
			t.Error("copy differs from the caller's request beyond its header")
		}
	})
}

func TestTransportNoDeadline(t *testing.T) {
	stub := &stubTransport{}
	rt := newTransport(t, stub)
	req, _ := http.NewRequest(http.MethodGet, "http://b.test/", nil)
	req.Header.Set(HeaderTimeout, "42")
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatalf("RoundTrip error %v", err)
	}
	if stub.got != req || req.Header.Get(HeaderTimeout) != "42" {
		t.Errorf("without a deadline, base got %p with %q, want the caller's request %p untouched", stub.got, stub.got.Header.Get(HeaderTimeout), req)
	}
}

// closeCounter counts Close calls on a request body.
type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestTransportRefuses(t *testing.T) {
	tests := []struct {
		name          string
		timeout       time.Duration
		elapsed       time.Duration
		wantRemaining time.Duration
	}{
		{"allowance equals budget", 5 * time.Millisecond, 0, 5 * time.Millisecond},
		{"under a millisecond left", 6*time.Millisecond - 1, 0, 6*time.Millisecond - 1},
		{"deadline passed", time.Second, 2 * time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				stub := &stubTransport{}
				rt := newTransport(t, stub)
				ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
				defer cancel()
				time.Sleep(tt.elapsed)
				body := &closeCounter{Reader: strings.NewReader("x")}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://b.test/", body)
				resp, err := rt.RoundTrip(req)
				var ib *InsufficientBudgetError
				if resp != nil || !errors.Is(err, ErrInsufficientBudget) || !errors.As(err, &ib) {
					t.Fatalf("RoundTrip = %v, %v, want nil, an *InsufficientBudgetError", resp, err)
				}
				if ib.Remaining != tt.wantRemaining || ib.Required != DefaultNetworkAllowance+time.Millisecond {
					t.Errorf("error = %+v, want Remaining %v, Required %v", ib, tt.wantRemaining, DefaultNetworkAllowance+time.Millisecond)
				}
				if n := stub.calls.Load(); n != 0 {
					t.Errorf("base called %d times, want 0", n)
				}
				if body.closed != 1 {
					t.Errorf("body closed %d times, want 1", body.closed)
				}
			})
		})
	}
}

// TestTransportRefusesOverflow checks the budgets whose arithmetic could
// overflow: a deadline so far past that the time remaining saturates (it
// must not wrap into a huge budget and be sent), and an allowance so large
// that no budget covers it.
func TestTransportRefusesOverflow(t *testing.T) {
	tests := []struct {
		name      string
		deadline  func() time.Time
		allowance time.Duration
		required  time.Duration
	}{
		{"zero deadline", func() time.Time { return time.Time{} }, DefaultNetworkAllowance, DefaultNetworkAllowance + time.Millisecond},
		{"deadline in year 1000", func() time.Time { return time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC) }, 0, time.Millisecond},
		{"largest allowance", func() time.Time { return time.Now().Add(time.Hour) }, math.MaxInt64, math.MaxInt64},
		{"allowance overflowing with 1ms", func() time.Time { return time.Now().Add(time.Hour) }, math.MaxInt64 - 1, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				stub := &stubTransport{}
				rt := newTransport(t, stub, WithNetworkAllowance(tt.allowance))
				ctx, cancel := context.WithDeadline(context.Background(), tt.deadline())
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://b.test/", nil)
				_, err := rt.RoundTrip(req)
				var ib *InsufficientBudgetError
				if !errors.As(err, &ib) || ib.Required != tt.required || ib.Remaining < 0 {
					t.Errorf("RoundTrip error = %v, want an *InsufficientBudgetError requiring %v", err, tt.required)
				}
				if n := stub.calls.Load(); n != 0 {
					t.Errorf("base called %d times with header %q, want 0", n, stub.got.Header.Get(HeaderTimeout))
				}
			})
		})
	}
}

// TestTransportHeaderValuesStay checks that the header values of a request
// that base got (and may still hold: a queued or retried request) do not
// change when later requests go through the transport. The values are
// strings over a buffer of the request copy (see bytesString); a buffer
// shared between requests would rewrite them.
func TestTransportHeaderValuesStay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := &stubTransport{}
		rt := newTransport(t, stub, WithGRPCTimeout(true), WithNetworkAllowance(0))
		var kept []*http.Request
		want := []string{"1000 1000000u", "2000 2000000u", "3000 3000000u"}
		for i := range want {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i+1)*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://b.test/", nil)
			if _, err := rt.RoundTrip(req); err != nil {
				t.Fatal(err)
			}
			kept = append(kept, stub.got)
		}
		for i, r := range kept {
			if got := r.Header.Get(HeaderTimeout) + " " + r.Header.Get(HeaderGRPCTimeout); got != want[i] {
				t.Errorf("request %d headers = %q after later requests, want %q", i, got, want[i])
			}
		}
	})
}

// TestTransportConcurrentBudgets sends requests with different budgets from
// many goroutines through one transport: each must arrive with its own
// budget (the race detector watches the buffers).
func TestTransportConcurrentBudgets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var bad atomic.Int32
		base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			rem, _ := Remaining(r.Context()) // fake time stands still: exact
			if want := strconv.Itoa(int(rem / time.Millisecond)); r.Header.Get(HeaderTimeout) != want {
				bad.Add(1)
			}
			return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
		})
		rt := newTransport(t, base, WithNetworkAllowance(0))
		var wg sync.WaitGroup
		for g := range 20 {
			wg.Go(func() {
				for i := range 50 {
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1+g*50+i)*time.Millisecond)
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://b.test/", nil)
					if _, err := rt.RoundTrip(req); err != nil {
						bad.Add(1)
					}
					cancel()
				}
			})
		}
		wg.Wait()
		if n := bad.Load(); n != 0 {
			t.Errorf("%d of 1000 requests arrived without their own budget", n)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportJustEnough(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := &stubTransport{}
		rt := newTransport(t, stub)
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://b.test/", nil)
		if _, err := rt.RoundTrip(req); err != nil {
			t.Fatalf("RoundTrip with 1ms to spare error %v", err)
		}
		if got := stub.got.Header.Get(HeaderTimeout); got != "1" {
			t.Errorf("%s = %q, want 1", HeaderTimeout, got)
		}
	})
}

func TestTransportThroughClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := &stubTransport{}
		client := &http.Client{Transport: newTransport(t, stub)}
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://b.test/", nil)
		_, err := client.Do(req)
		if !errors.Is(err, ErrInsufficientBudget) || stub.calls.Load() != 0 {
			t.Errorf("Client.Do = %v with %d calls, want ErrInsufficientBudget and none", err, stub.calls.Load())
		}
	})
}

type idleCloser struct {
	stubTransport
	closed int
}

func (c *idleCloser) CloseIdleConnections() { c.closed++ }

func TestTransportCloseIdleConnections(t *testing.T) {
	base := &idleCloser{}
	client := &http.Client{Transport: newTransport(t, base)}
	client.CloseIdleConnections()
	if base.closed != 1 {
		t.Errorf("base CloseIdleConnections called %d times, want 1", base.closed)
	}
	newTransport(t, &stubTransport{}).(*transport).CloseIdleConnections() // base without it: no-op
}

func TestTransportNilBase(t *testing.T) {
	if rt := newTransport(t, nil).(*transport); rt.base != http.DefaultTransport {
		t.Errorf("Transport(nil) base = %v, want http.DefaultTransport", rt.base)
	}
}
