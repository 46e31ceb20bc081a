package retry

import (
	"bytes"
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

// busy is a 503 with a body, as a proxy answers.
var busy = faultinject.Fault{Status: 503, Body: "busy"}

// ok is a 200 with a body.
var ok = faultinject.Fault{Status: 200, Body: "ok"}

func newFaults(t *testing.T, faults ...faultinject.Fault) *faultinject.Transport {
	t.Helper()
	ft, err := faultinject.New(nil, faultinject.WithScript(faults...))
	if err != nil {
		t.Fatalf("faultinject.New() error %v", err)
	}
	return ft
}

func newRetryTransport(t *testing.T, base http.RoundTripper, p *Policy, opts ...TransportOption) http.RoundTripper {
	t.Helper()
	rt, err := Transport(base, p, opts...)
	if err != nil {
		t.Fatalf("Transport() error %v", err)
	}
	return rt
}

// send makes a request with method, body (none when empty) and headers
// (name, value pairs) through rt.
func send(t *testing.T, ctx context.Context, rt http.RoundTripper, method, body string, header ...string) (*http.Response, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://svc.test/item", r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return rt.RoundTrip(req)
}

// wantResponse reads and closes resp's body and checks its status and body.
func wantResponse(t *testing.T, resp *http.Response, err error, status int, body string) {
	t.Helper()
	if err != nil {
		t.Fatalf("RoundTrip error %v, want a %d response", err, status)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != status || string(b) != body || err != nil {
		t.Fatalf("response = %d %q (read error %v), want %d %q", resp.StatusCode, b, err, status, body)
	}
}

// wantDiscarded checks that every response but the last was read to its
// end and closed, and returns the number of calls.
func wantDiscarded(t *testing.T, ft *faultinject.Transport) int {
	t.Helper()
	calls := ft.Calls()
	for i, c := range calls[:len(calls)-1] {
		if c.Status != 0 && (!c.BodyClosed || c.BodyRead != int64(len(c.Fault.Body))) {
			t.Errorf("call %d: body read %d of %d bytes, closed %t; want read to the end and closed", i, c.BodyRead, len(c.Fault.Body), c.BodyClosed)
		}
	}
	return len(calls)
}

func TestTransportRetriesStatus(t *testing.T) {
	tests := []struct {
		name  string
		first faultinject.Fault
	}{
		{"503", busy},
		{"502", faultinject.Fault{Status: 502}},
		{"504", faultinject.Fault{Status: 504}},
		{"429", faultinject.Fault{Status: 429}},
		{"connection reset", faultinject.Fault{Err: faultinject.ErrConnReset}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ft := newFaults(t, tt.first, ok)
				rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Second))))
				start := time.Now()
				resp, err := send(t, t.Context(), rt, http.MethodGet, "")
				wantResponse(t, resp, err, 200, "ok")
				if n := wantDiscarded(t, ft); n != 2 {
					t.Errorf("RoundTrip made %d attempts, want 2", n)
				}
				if got := time.Since(start); got != time.Second {
					t.Errorf("RoundTrip took %v, want 1s", got)
				}
			})
		})
	}
}

func TestTransportDoesNotRetry(t *testing.T) {
	tests := []struct {
		name   string
		fault  faultinject.Fault
		status int
	}{
		{"200", ok, 200},
		{"404", faultinject.Fault{Status: 404, Body: "no"}, 404},
		{"500", faultinject.Fault{Status: 500, Body: "bug"}, 500},
		{"409 without a key", faultinject.Fault{Status: 409, Body: "conflict"}, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFaults(t, tt.fault, ok)
			rt := newRetryTransport(t, ft, newPolicy(t))
			resp, err := send(t, t.Context(), rt, http.MethodGet, "")
			wantResponse(t, resp, err, tt.status, tt.fault.Body)
			if n := len(ft.Calls()); n != 1 {
				t.Errorf("RoundTrip made %d attempts, want 1", n)
			}
		})
	}
}

func TestTransportRetryAfter(t *testing.T) {
	// synctest's clock starts at 2000-01-01 00:00:00 UTC.
	date := time.Date(2000, 1, 1, 0, 0, 5, 0, time.UTC).Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		opts       []Option
		want       time.Duration
	}{
		{"429 in seconds", 429, "3", nil, 3 * time.Second},
		{"503 in seconds", 503, "3", nil, 3 * time.Second},
		{"429 as a date", 429, date, nil, 5 * time.Second},
		{"date in the past", 503, "Fri, 31 Dec 1999 23:59:59 GMT", nil, 0},
		{"at the cap", 429, "10", []Option{WithMaxRetryAfter(10 * time.Second)}, 10 * time.Second},
		{"ignored", 429, "3600", []Option{WithMaxRetryAfter(0)}, time.Second},
		{"invalid", 503, "soon", nil, time.Second},
		{"negative", 503, "-3", nil, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				first := faultinject.Fault{Status: tt.status, Header: http.Header{"Retry-After": {tt.retryAfter}}}
				ft := newFaults(t, first, ok)
				opts := append([]Option{WithStrategy(Constant(time.Second))}, tt.opts...)
				rt := newRetryTransport(t, ft, newPolicy(t, opts...))
				start := time.Now()
				resp, err := send(t, t.Context(), rt, http.MethodGet, "")
				wantResponse(t, resp, err, 200, "ok")
				if got := time.Since(start); got != tt.want {
					t.Errorf("RoundTrip waited %v, want %v", got, tt.want)
				}
			})
		})
	}
}

// A Retry-After above the cap ends the retries at once: the caller gets
// the response, or the error, that carried it.
func TestTransportRetryAfterAboveCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limited := faultinject.Fault{Status: 429, Header: http.Header{"Retry-After": {"3600"}}, Body: "come back in an hour"}
		ft := newFaults(t, limited, ok)
		rt := newRetryTransport(t, ft, newPolicy(t, WithMaxRetryAfter(10*time.Second)))
		start := time.Now()
		resp, err := send(t, t.Context(), rt, http.MethodGet, "")
		wantResponse(t, resp, err, 429, "come back in an hour")
		if got := time.Since(start); got != 0 || len(ft.Calls()) != 1 {
			t.Errorf("RoundTrip took %v and %d attempts, want 0s and 1", got, len(ft.Calls()))
		}

		hinted := &faultErr{d: time.Minute}
		ft = newFaults(t, faultinject.Fault{Err: hinted}, ok)
		rt = newRetryTransport(t, ft, newPolicy(t, WithMaxRetryAfter(10*time.Second)))
		_, err = send(t, t.Context(), rt, http.MethodGet, "")
		checkError(t, err, 1, hinted, ErrOutOfTime)
	})
}

// faultErr is a transport error with a Retry-After hint, as a breaker's
// rejection is.
type faultErr struct{ d time.Duration }

func (e *faultErr) Error() string             { return "rejected" }
func (e *faultErr) RetryAfter() time.Duration { return e.d }

func TestTransportIdempotency(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		key      string
		opts     []TransportOption
		attempts int
	}{
		{"GET", http.MethodGet, "", nil, 2},
		{"HEAD", http.MethodHead, "", nil, 2},
		{"OPTIONS", http.MethodOptions, "", nil, 2},
		{"TRACE", http.MethodTrace, "", nil, 2},
		{"PUT", http.MethodPut, "", nil, 2},
		{"DELETE", http.MethodDelete, "", nil, 2},
		{"POST", http.MethodPost, "", nil, 1},
		{"PATCH", http.MethodPatch, "", nil, 1},
		{"POST with a key", http.MethodPost, "order-17", nil, 2},
		{"PATCH with a key", http.MethodPatch, "order-17", nil, 2},
		{"POST opted in", http.MethodPost, "", []TransportOption{WithAllMethods()}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ft := newFaults(t, busy, ok)
				rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Second))), tt.opts...)
				resp, err := send(t, t.Context(), rt, tt.method, "charge 10 EUR", HeaderIdempotencyKey, tt.key)
				if tt.attempts == 1 {
					wantResponse(t, resp, err, 503, "busy")
				} else {
					wantResponse(t, resp, err, 200, "ok")
				}
				if n := len(ft.Calls()); n != tt.attempts {
					t.Errorf("%s made %d attempts, want %d", tt.name, n, tt.attempts)
				}
			})
		})
	}
}

// A POST that fails at the transport is not retried either, and gets the
// transport's error as it is.
func TestTransportPostResetNotRetried(t *testing.T) {
	ft := newFaults(t, faultinject.Fault{Err: faultinject.ErrConnReset}, ok)
	rt := newRetryTransport(t, ft, newPolicy(t))
	_, err := send(t, t.Context(), rt, http.MethodPost, "x")
	if err != faultinject.ErrConnReset || len(ft.Calls()) != 1 {
		t.Errorf("POST = %v after %d attempts, want ErrConnReset after 1", err, len(ft.Calls()))
	}
}

func TestTransportConflictWithKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inProgress := faultinject.Fault{Status: 409, Header: http.Header{"Retry-After": {"2"}}, Body: "in progress"}
		ft := newFaults(t, inProgress, inProgress, ok)
		rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Second)), WithMaxAttempts(5)))
		start := time.Now()
		resp, err := send(t, t.Context(), rt, http.MethodPost, "charge", HeaderIdempotencyKey, "k1")
		wantResponse(t, resp, err, 200, "ok")
		if n := wantDiscarded(t, ft); n != 3 {
			t.Errorf("RoundTrip made %d attempts, want 3", n)
		}
		if got := time.Since(start); got != 4*time.Second {
			t.Errorf("RoundTrip took %v, want 4s (two Retry-After: 2)", got)
		}
	})
}

func TestTransportSameBodyEveryAttempt(t *testing.T) {
	big := strings.Repeat("0123456789", 10_000)
	tests := []struct {
		name string
		body func() io.Reader
	}{
		{"strings.Reader", func() io.Reader { return strings.NewReader(big) }},
		{"bytes.Reader", func() io.Reader { return bytes.NewReader([]byte(big)) }},
		{"bytes.Buffer", func() io.Reader { return bytes.NewBufferString(big) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ft := newFaults(t, busy, faultinject.Fault{Err: faultinject.ErrConnReset}, ok)
				rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Second))))
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, "http://svc.test/doc", tt.body())
				resp, err := rt.RoundTrip(req)
				wantResponse(t, resp, err, 200, "ok")
				calls := ft.Calls()
				if len(calls) != 3 {
					t.Fatalf("RoundTrip made %d attempts, want 3", len(calls))
				}
				for i, c := range calls {
					if string(c.Body) != big {
						t.Errorf("attempt %d sent %d bytes, want the %d bytes of the body", i+1, len(c.Body), len(big))
					}
				}
			})
		})
	}
}

// A body without GetBody cannot be sent twice: one attempt, and its
// response.
func TestTransportBodyWithoutGetBody(t *testing.T) {
	ft := newFaults(t, busy, ok)
	rt := newRetryTransport(t, ft, newPolicy(t))
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, "http://svc.test/doc", io.NopCloser(strings.NewReader("once")))
	resp, err := rt.RoundTrip(req)
	wantResponse(t, resp, err, 503, "busy")
	if n := len(ft.Calls()); n != 1 {
		t.Errorf("RoundTrip made %d attempts, want 1", n)
	}
}

// A GetBody that fails ends the retries with its error.
func TestTransportGetBodyFails(t *testing.T) {
	errGone := errors.New("body gone")
	ft := newFaults(t, faultinject.Fault{Err: faultinject.ErrConnReset}, ok)
	rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Nanosecond))))
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, "http://svc.test/doc", strings.NewReader("x"))
	req.GetBody = func() (io.ReadCloser, error) { return nil, errGone }
	_, err := rt.RoundTrip(req)
	if !errors.Is(err, errGone) || !errors.Is(err, syscall.ECONNRESET) || len(ft.Calls()) != 1 {
		t.Errorf("RoundTrip = %v after %d attempts, want the GetBody error and the reset after 1", err, len(ft.Calls()))
	}
}

func TestTransportReturnsLastResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		last := faultinject.Fault{Status: 503, Header: http.Header{"X-Attempt": {"3"}}, Body: "still busy"}
		ft := newFaults(t, busy, busy, last, ok)
		rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Second))))
		resp, err := send(t, t.Context(), rt, http.MethodGet, "")
		if err == nil && resp.Header.Get("X-Attempt") != "3" {
			t.Errorf("last response X-Attempt = %q, want 3", resp.Header.Get("X-Attempt"))
		}
		wantResponse(t, resp, err, 503, "still busy")
		if n := wantDiscarded(t, ft); n != 3 {
			t.Errorf("RoundTrip made %d attempts, want 3", n)
		}
	})
}

func TestTransportGivesUpOnError(t *testing.T) {
	reset := faultinject.Fault{Err: faultinject.ErrConnReset}
	ft := newFaults(t, reset, reset, reset, ok)
	rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Nanosecond))))
	_, err := send(t, t.Context(), rt, http.MethodGet, "")
	checkError(t, err, 3, syscall.ECONNRESET, ErrAttemptsExhausted)
}

func TestTransportDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := faultinject.Fault{Status: 503, Header: http.Header{"Retry-After": {"5"}}, Body: "later"}
		ft := newFaults(t, slow, ok)
		rt := newRetryTransport(t, ft, newPolicy(t))
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start := time.Now()
		resp, err := send(t, ctx, rt, http.MethodGet, "")
		wantResponse(t, resp, err, 503, "later")
		if got := time.Since(start); got != 0 || len(ft.Calls()) != 1 {
			t.Errorf("RoundTrip took %v and %d attempts, want 0s and 1: a Retry-After past the deadline ends it", got, len(ft.Calls()))
		}
	})
}

func TestTransportContextEndsWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newFaults(t, busy, ok)
		rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(10*time.Second))))
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		_, err := send(t, ctx, rt, http.MethodGet, "")
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 503 {
			t.Fatalf("RoundTrip error = %v, want a *StatusError of 503 inside", err)
		}
		checkError(t, err, 1, se, context.Canceled)
		if c := ft.Calls()[0]; !c.BodyClosed {
			t.Errorf("the discarded response was not closed")
		}
	})
}

// closeCounter is a request body that counts its closes.
type closeCounter struct {
	io.Reader
	closes *int
}

func (c closeCounter) Close() error { *c.closes++; return nil }

// The body made by GetBody for an attempt that the context's end stops
// before it is sent is closed, as a RoundTripper closes a body it does
// not send.
func TestTransportClosesUnsentBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newFaults(t, busy, ok)
		rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(10*time.Second))))
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		var closes, made int
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://svc.test/item", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.GetBody = func() (io.ReadCloser, error) {
			made++
			return closeCounter{strings.NewReader("v"), &closes}, nil
		}
		req.Body, _ = req.GetBody()
		if _, err := rt.RoundTrip(req); !errors.Is(err, context.Canceled) {
			t.Fatalf("RoundTrip error = %v, want context.Canceled", err)
		}
		if made != 2 || closes != 2 {
			t.Errorf("GetBody made %d bodies, %d closed; want 2 and 2 (the sent one and the unsent one)", made, closes)
		}
	})
}

func TestTransportBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, err := NewBudget(WithMinRetriesPerSec(0), WithPercentCanRetry(0.5))
		if err != nil {
			t.Fatal(err)
		}
		ft := newFaults(t, busy, busy, busy, busy, busy, busy)
		rt := newRetryTransport(t, ft, newPolicy(t, WithBudget(b), WithStrategy(Constant(time.Second))))
		// The first request deposits half a retry: not enough to retry.
		resp, err := send(t, t.Context(), rt, http.MethodGet, "")
		wantResponse(t, resp, err, 503, "busy")
		// The second deposits the other half: it retries once, then the
		// budget is empty.
		resp, err = send(t, t.Context(), rt, http.MethodGet, "")
		wantResponse(t, resp, err, 503, "busy")
		st := b.Stats()
		if n := len(ft.Calls()); n != 3 || st.Deposits != 2 || st.Withdrawals != 1 || st.Rejected != 2 {
			t.Errorf("%d attempts, budget %+v; want 3 attempts, 2 deposits, 1 withdrawal, 2 rejected", n, st)
		}
	})
}

func TestTransportAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hang := faultinject.Fault{Latency: time.Hour, Status: 200}
		slowBody := faultinject.Fault{Status: 200, Body: "ok", BodyDelay: 500 * time.Millisecond}
		ft := newFaults(t, hang, slowBody)
		rt := newRetryTransport(t, ft, newPolicy(t, WithAttemptTimeout(time.Second), WithStrategy(Constant(time.Second))))
		start := time.Now()
		resp, err := send(t, t.Context(), rt, http.MethodGet, "")
		// The first attempt times out after 1s; after 1s, the second
		// answers at once and its body, read in two slow reads within the
		// attempt's timeout, is whole.
		wantResponse(t, resp, err, 200, "ok")
		if got := time.Since(start); got != 3*time.Second {
			t.Errorf("RoundTrip and read took %v, want 3s", got)
		}
	})
}

// A discarded body is drained up to the limit, however slow, then closed.
func TestTransportDrainLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		huge := faultinject.Fault{Status: 503, Body: strings.Repeat("x", 10_000), BodyDelay: time.Second, BodyChunk: 1000}
		ft := newFaults(t, huge, ok)
		rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Second))), WithDrainLimit(3000))
		start := time.Now()
		resp, err := send(t, t.Context(), rt, http.MethodGet, "")
		wantResponse(t, resp, err, 200, "ok")
		c := ft.Calls()[0]
		if c.BodyRead != 3000 || !c.BodyClosed {
			t.Errorf("discarded body: read %d bytes, closed %t; want 3000, true", c.BodyRead, c.BodyClosed)
		}
		if got := time.Since(start); got != 4*time.Second {
			t.Errorf("RoundTrip took %v, want 4s (three slow reads, then the delay)", got)
		}
	})
}

func TestTransportKeepsRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newFaults(t, busy, busy, ok)
		rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Second)), WithAttemptTimeout(time.Minute)))
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, "http://svc.test/doc", strings.NewReader("doc"))
		req.Header.Set("X-Trace", "t1")
		before := *req
		resp, err := rt.RoundTrip(req)
		wantResponse(t, resp, err, 200, "ok")
		if req.Body != before.Body || req.Context() != before.Context() || req.URL != before.URL || len(req.Header) != 1 || req.Header.Get("X-Trace") != "t1" {
			t.Errorf("the caller's request changed: %+v, was %+v", req, &before)
		}
	})
}

func TestTransportStatuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newFaults(t, faultinject.Fault{Status: 500}, faultinject.Fault{Status: 503, Body: "busy"}, ok)
		rt := newRetryTransport(t, ft, newPolicy(t), WithRetryStatus(500))
		resp, err := send(t, t.Context(), rt, http.MethodGet, "")
		wantResponse(t, resp, err, 503, "busy")
		if n := len(ft.Calls()); n != 2 {
			t.Errorf("RoundTrip made %d attempts, want 2 (500 retried, 503 not)", n)
		}
	})
}

func TestTransportOnRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var r recorder
		limited := faultinject.Fault{Status: 429, Header: http.Header{"Retry-After": {"2"}}}
		ft := newFaults(t, limited, faultinject.Fault{Err: faultinject.ErrConnReset}, ok)
		rt := newRetryTransport(t, ft, newPolicy(t, WithStrategy(Constant(time.Second)), WithMaxAttempts(3), r.option()))
		resp, err := send(t, t.Context(), rt, http.MethodGet, "")
		wantResponse(t, resp, err, 200, "ok")
		want := "1:retry: server answered 429 Too Many Requests:2s 2:read tcp: read: connection reset by peer:1s"
		if got := r.String(); got != want {
			t.Errorf("OnRetry calls = %q, want %q", got, want)
		}
	})
}

func TestTransportBadInput(t *testing.T) {
	p := newPolicy(t)
	tests := []struct {
		name string
		p    *Policy
		opts []TransportOption
		want string
	}{
		{"nil policy", nil, nil, "retry: Transport: nil Policy"},
		{"nil option", p, []TransportOption{nil}, "retry: Transport: nil TransportOption"},
		{"negative drain", p, []TransportOption{WithDrainLimit(-1)}, "retry: WithDrainLimit: limit must be >= 0, got -1"},
		{"status 42", p, []TransportOption{WithRetryStatus(503, 42)}, "retry: WithRetryStatus: status must be in [100, 599], got 42"},
		{"status 600", p, []TransportOption{WithRetryStatus(600)}, "retry: WithRetryStatus: status must be in [100, 599], got 600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := Transport(nil, tt.p, tt.opts...)
			if err == nil || err.Error() != tt.want || rt != nil {
				t.Errorf("Transport(%s) = %v, %v; want nil, %q", tt.name, rt, err, tt.want)
			}
		})
	}
	rt, err := Transport(nil, p)
	if err != nil || rt.(*transport).base != http.DefaultTransport {
		t.Errorf("Transport(nil base) = %v, %v; want one over http.DefaultTransport", rt, err)
	}
}
