package breaker

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/faultinject"
)

var (
	unavailable = faultinject.Fault{Status: 503, Body: "busy"}
	okFault     = faultinject.Fault{Status: 200, Body: "ok"}
)

func newFaults(t *testing.T, faults ...faultinject.Fault) *faultinject.Transport {
	t.Helper()
	ft, err := faultinject.New(nil, faultinject.WithScript(faults...))
	if err != nil {
		t.Fatalf("faultinject.New: %v", err)
	}
	return ft
}

func newBreakerTransport(t *testing.T, base http.RoundTripper, b *Breaker, opts ...TransportOption) http.RoundTripper {
	t.Helper()
	rt, err := Transport(base, b, opts...)
	if err != nil {
		t.Fatalf("Transport: %v", err)
	}
	return rt
}

// roundTrip sends a GET through rt and closes the response's body.
func roundTrip(t *testing.T, ctx context.Context, rt http.RoundTripper) (int, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://svc.test/", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestTransportClassifies(t *testing.T) {
	reset := faultinject.Fault{Err: faultinject.ErrConnReset}
	tests := []struct {
		name   string
		faults []faultinject.Fault
		want   State
	}{
		{"three 503", []faultinject.Fault{unavailable, unavailable, unavailable}, StateOpen},
		{"three 500, 502, 504", []faultinject.Fault{{Status: 500}, {Status: 502}, {Status: 504}}, StateOpen},
		{"three resets", []faultinject.Fault{reset, reset, reset}, StateOpen},
		{"a 404 ends the run", []faultinject.Fault{unavailable, unavailable, {Status: 404}, unavailable}, StateClosed},
		{"a 200 ends the run", []faultinject.Fault{unavailable, unavailable, okFault, unavailable}, StateClosed},
		{"a 429 is ignored", []faultinject.Fault{unavailable, unavailable, {Status: 429}, unavailable}, StateOpen},
		{"429s do not trip", []faultinject.Fault{{Status: 429}, {Status: 429}, {Status: 429}}, StateClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustNew(t, WithConsecutiveFailures(3))
			rt := newBreakerTransport(t, newFaults(t, tt.faults...), b)
			for range tt.faults {
				if _, err := roundTrip(t, context.Background(), rt); err != nil && !errors.Is(err, syscall.ECONNRESET) {
					t.Fatalf("RoundTrip error %v", err)
				}
			}
			wantState(t, b, tt.want)
		})
	}
}

// An open breaker rejects without calling base, and closes the request's
// body as a RoundTripper must.
func TestTransportOpenDoesNotCallBase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(5*time.Second))
		ft := newFaults(t, unavailable, okFault)
		rt := newBreakerTransport(t, ft, b)
		if code, err := roundTrip(t, context.Background(), rt); code != 503 || err != nil {
			t.Fatalf("first RoundTrip = %d, %v; want 503", code, err)
		}
		time.Sleep(time.Second)
		body := &closeRecorder{Reader: strings.NewReader("x")}
		req, _ := http.NewRequest(http.MethodPut, "http://svc.test/", body)
		resp, err := rt.RoundTrip(req)
		if resp != nil || !errors.Is(err, ErrOpen) {
			t.Fatalf("RoundTrip while open = %v, %v; want an error matching ErrOpen", resp, err)
		}
		wantRejected(t, err, StateOpen, 4*time.Second)
		if n := len(ft.Calls()); n != 1 || !body.closed {
			t.Errorf("base got %d calls (want 1), request body closed %t (want true)", n, body.closed)
		}
	})
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// The outcome is recorded when the response arrives: a probe whose body
// is still being read has already closed the breaker.
func TestTransportRecordsOnResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(time.Second), WithHalfOpenProbes(1))
		slow := faultinject.Fault{Status: 200, Body: "slow", BodyDelay: time.Hour}
		ft := newFaults(t, unavailable, slow, okFault)
		rt := newBreakerTransport(t, ft, b)
		roundTrip(t, context.Background(), rt) //nolint:errcheck // trips the breaker
		time.Sleep(time.Second)
		req, _ := http.NewRequest(http.MethodGet, "http://svc.test/", nil)
		resp, err := rt.RoundTrip(req) // the probe
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		wantState(t, b, StateClosed)
		if code, err := roundTrip(t, context.Background(), rt); code != 200 || err != nil {
			t.Errorf("RoundTrip while the probe's body is unread = %d, %v; want 200", code, err)
		}
	})
}

// An ignored probe (a 429) gives its place to the next.
func TestTransportIgnoredProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(time.Second), WithHalfOpenProbes(1))
		rt := newBreakerTransport(t, newFaults(t, unavailable, faultinject.Fault{Status: 429}, okFault), b)
		roundTrip(t, context.Background(), rt) //nolint:errcheck // trips the breaker
		time.Sleep(time.Second)
		if code, err := roundTrip(t, context.Background(), rt); code != 429 || err != nil {
			t.Fatalf("probe = %d, %v; want 429", code, err)
		}
		wantState(t, b, StateHalfOpen)
		if code, err := roundTrip(t, context.Background(), rt); code != 200 || err != nil {
			t.Fatalf("second probe = %d, %v; want 200", code, err)
		}
		wantState(t, b, StateClosed)
	})
}

func TestTransportContext(t *testing.T) {
	b := mustNew(t, WithConsecutiveFailures(1))
	ft := newFaults(t, okFault)
	rt := newBreakerTransport(t, ft, b)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := roundTrip(t, ctx, rt); !errors.Is(err, context.Canceled) || len(ft.Calls()) != 0 {
		t.Fatalf("RoundTrip with a done context = %v after %d calls, want Canceled after 0", err, len(ft.Calls()))
	}
	// A request cancelled during the call is ignored, by the breaker's own
	// classification.
	ft = newFaults(t, faultinject.Fault{Err: context.Canceled})
	rt = newBreakerTransport(t, ft, b)
	if _, err := roundTrip(t, context.Background(), rt); !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip = %v, want Canceled", err)
	}
	wantState(t, b, StateClosed)
}

func TestTransportClassifier(t *testing.T) {
	b := mustNew(t, WithConsecutiveFailures(2))
	strict := WithClassifier(func(resp *http.Response) Outcome {
		if resp.StatusCode == http.StatusTooManyRequests {
			return Failure
		}
		return DefaultClassifier(resp)
	})
	rt := newBreakerTransport(t, newFaults(t, faultinject.Fault{Status: 429}, faultinject.Fault{Status: 429}), b, strict)
	roundTrip(t, context.Background(), rt) //nolint:errcheck
	roundTrip(t, context.Background(), rt) //nolint:errcheck
	wantState(t, b, StateOpen)
}

// A classifier that panics records a failure, and the panic goes on.
func TestTransportClassifierPanics(t *testing.T) {
	b := mustNew(t, WithConsecutiveFailures(1))
	rt := newBreakerTransport(t, newFaults(t, okFault), b, WithClassifier(func(*http.Response) Outcome { panic("bad classifier") }))
	func() {
		defer func() {
			if r := recover(); r != "bad classifier" {
				t.Errorf("recover() = %v, want the classifier's panic", r)
			}
		}()
		roundTrip(t, context.Background(), rt) //nolint:errcheck
	}()
	wantState(t, b, StateOpen)
}

func TestTransportBadInput(t *testing.T) {
	b := mustNew(t)
	tests := []struct {
		name string
		b    *Breaker
		opts []TransportOption
		want string
	}{
		{"nil breaker", nil, nil, "breaker: Transport: nil Breaker"},
		{"nil option", b, []TransportOption{nil}, "breaker: Transport: nil TransportOption"},
		{"nil classifier", b, []TransportOption{WithClassifier(nil)}, "breaker: WithClassifier: nil func"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := Transport(nil, tt.b, tt.opts...)
			if err == nil || err.Error() != tt.want || rt != nil {
				t.Errorf("Transport(%s) = %v, %v; want nil, %q", tt.name, rt, err, tt.want)
			}
		})
	}
	rt, err := Transport(nil, b)
	if err != nil || rt.(*transport).base != http.DefaultTransport {
		t.Errorf("Transport(nil base) = %v, %v; want one over http.DefaultTransport", rt, err)
	}
}

func TestOutcomeString(t *testing.T) {
	tests := []struct {
		o    Outcome
		want string
	}{{Success, "success"}, {Failure, "failure"}, {Ignored, "ignored"}, {Outcome(7), "Outcome(7)"}}
	for _, tt := range tests {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("Outcome(%d).String() = %q, want %q", tt.o, got, tt.want)
		}
	}
}

// WithSlowCall times a call up to its response's headers: a slow body does
// not make a call slow, slow headers do.
func TestTransportSlowCall(t *testing.T) {
	tests := []struct {
		name  string
		fault faultinject.Fault
		want  State
	}{
		{"slow body", faultinject.Fault{Status: 200, Body: "ok", BodyDelay: 2 * time.Second}, StateClosed},
		{"slow headers", faultinject.Fault{Status: 200, Latency: 2 * time.Second}, StateOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := mustNew(t, WithSlowCall(time.Second, 1), WithCountWindow(2), WithMinimumCalls(2))
				rt := newBreakerTransport(t, newFaults(t, tt.fault, tt.fault), b)
				for range 2 {
					req, _ := http.NewRequest(http.MethodGet, "http://svc.test/", nil)
					resp, err := rt.RoundTrip(req)
					if err != nil {
						t.Fatal(err)
					}
					io.ReadAll(resp.Body) //nolint:errcheck
					resp.Body.Close()
				}
				wantState(t, b, tt.want)
			})
		})
	}
}
