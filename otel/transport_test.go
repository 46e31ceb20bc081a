package holdfastotel

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/retry"
)

func TestHTTPTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		sent := 0
		base := roundTrip(func(r *http.Request) (*http.Response, error) {
			sent++
			time.Sleep(100 * time.Millisecond)
			switch sent {
			case 1:
				return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
			case 2:
				return nil, errors.New("connection reset by peer 10.0.0.7")
			}
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		})
		timed, err := h.in.HTTPTransport("payments", base)
		if err != nil {
			t.Fatal(err)
		}
		p, err := retry.New(retry.WithStrategy(retry.Constant(time.Millisecond)))
		if err != nil {
			t.Fatal(err)
		}
		rt, err := retry.Transport(timed, p)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, "http://payments.invalid/charge/42", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want(t, h.collect(t), map[string]string{
			"http.client.request.duration{error.type=503,holdfast.name=payments,http.request.method=GET,http.response.status_code=503}": "1/0.1",
			"http.client.request.duration{error.type=_OTHER,holdfast.name=payments,http.request.method=GET}":                            "1/0.1",
			"http.client.request.duration{holdfast.name=payments,http.request.method=GET,http.response.status_code=200}":                "1/0.1",
		})
	})
}

func TestHTTPTransportMethod(t *testing.T) {
	tests := []struct{ in, want string }{{"GET", "GET"}, {"", "GET"}, {"PURGE", "_OTHER"}, {"get", "_OTHER"}}
	for _, tt := range tests {
		if got := method(tt.in); got != tt.want {
			t.Errorf("method(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	h := newHarness(t)
	if _, err := h.in.HTTPTransport("payments", nil); err == nil {
		t.Error("HTTPTransport(nil base) = nil error, want one")
	}
}

// TestHTTPTransportAllocs: once a request's method, status and error.type
// have been seen, timing another like it allocates nothing, 4xx and 5xx
// included.
func TestHTTPTransportAllocs(t *testing.T) {
	tests := []struct {
		name   string
		status int
	}{
		{"200", http.StatusOK},
		{"404", http.StatusNotFound},
		{"503", http.StatusServiceUnavailable},
	}
	h := newHarness(t)
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.status, Body: http.NoBody}
		base := roundTrip(func(*http.Request) (*http.Response, error) { return resp, nil })
		rt, err := h.in.HTTPTransport("payments", base)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, "http://payments.invalid/", nil)
		_, _ = rt.RoundTrip(req) // first of its kind: makes its attribute set
		if n := testing.AllocsPerRun(100, func() { _, _ = rt.RoundTrip(req) }); n != 0 {
			t.Errorf("RoundTrip(%s) allocs = %v, want 0", tt.name, n)
		}
	}
}
