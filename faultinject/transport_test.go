package faultinject

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func newTransport(t *testing.T, base http.RoundTripper, opts ...Option) *Transport {
	t.Helper()
	ft, err := New(base, opts...)
	if err != nil {
		t.Fatalf("New() error %v", err)
	}
	return ft
}

func get(t *testing.T, ctx context.Context, rt http.RoundTripper, body string) (*http.Response, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://svc.test/x", r)
	if err != nil {
		t.Fatal(err)
	}
	return rt.RoundTrip(req)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return string(b)
}

// stub answers 200 "base" and records the bodies it got.
type stub struct{ bodies []string }

func (s *stub) RoundTrip(r *http.Request) (*http.Response, error) {
	b := ""
	if r.Body != nil {
		p, _ := io.ReadAll(r.Body)
		r.Body.Close()
		b = string(p)
	}
	s.bodies = append(s.bodies, b)
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("base")), Request: r}, nil
}

func TestScript(t *testing.T) {
	base := &stub{}
	ft := newTransport(t, base, WithScript(
		Fault{Status: 503, Header: http.Header{"Retry-After": {"1"}}, Body: "busy"},
		Fault{Err: ErrConnReset},
		Fault{},
	))
	resp, err := get(t, context.Background(), ft, "one")
	if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || readAll(t, resp) != "busy" {
		t.Fatalf("request 1 = %v, %v, want 503 busy with Retry-After 1", resp, err)
	}
	if _, err := get(t, context.Background(), ft, "two"); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("request 2 error = %v, want ECONNRESET", err)
	}
	for i := 3; i <= 4; i++ {
		resp, err := get(t, context.Background(), ft, "three")
		if err != nil || readAll(t, resp) != "base" {
			t.Fatalf("request %d = %v, %v, want the base's answer", i, resp, err)
		}
	}
	if got := strings.Join(base.bodies, ","); got != "three,three" {
		t.Errorf("base got bodies %q, want %q", got, "three,three")
	}
	calls := ft.Calls()
	if len(calls) != 4 {
		t.Fatalf("len(Calls()) = %d, want 4", len(calls))
	}
	want := []struct {
		body   string
		status int
		err    bool
	}{{"one", 503, false}, {"two", 0, true}, {"three", 200, false}, {"three", 200, false}}
	for i, w := range want {
		c := calls[i]
		if string(c.Body) != w.body || c.Status != w.status || (c.Err != nil) != w.err || c.Method != http.MethodPost || c.URL != "http://svc.test/x" {
			t.Errorf("Calls()[%d] = %+v, want body %q status %d err %t", i, c, w.body, w.status, w.err)
		}
	}
	if !calls[0].BodyClosed || calls[0].BodyRead != 4 {
		t.Errorf("Calls()[0] read %d bytes, closed %t; want 4, true", calls[0].BodyRead, calls[0].BodyClosed)
	}
}

func TestChanceIsSeeded(t *testing.T) {
	run := func(seed uint64) string {
		ft := newTransport(t, &stub{}, WithSeed(seed),
			WithChance(0.3, Fault{Status: 503}), WithChance(0.2, Fault{Err: ErrConnReset}))
		var b strings.Builder
		for range 200 {
			resp, err := get(t, context.Background(), ft, "")
			switch {
			case err != nil:
				b.WriteByte('r')
			case resp.StatusCode == 503:
				b.WriteByte('5')
				resp.Body.Close()
			default:
				b.WriteByte('.')
				resp.Body.Close()
			}
		}
		return b.String()
	}
	a, b := run(7), run(7)
	if a != b {
		t.Fatalf("seed 7 gave two sequences:\n%s\n%s", a, b)
	}
	if a == run(8) {
		t.Errorf("seeds 7 and 8 gave the same sequence %s", a)
	}
	// 200 draws at 0.3 and 0.2: far from 0 and 200 on any seed.
	for _, c := range "5r." {
		if n := strings.Count(a, string(c)); n < 20 || n > 160 {
			t.Errorf("%q drawn %d times of 200 in %s", c, n, a)
		}
	}
}

func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newTransport(t, nil, WithScript(Fault{Latency: 2 * time.Second, Status: 200}, Fault{Latency: 2 * time.Second, Status: 200}))
		start := time.Now()
		resp, err := get(t, context.Background(), ft, "")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("request took %v, want 2s", got)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start = time.Now()
		if _, err := get(t, ctx, ft, ""); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("request with a 1s deadline error = %v, want DeadlineExceeded", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("request with a 1s deadline took %v, want 1s", got)
		}
	})
}

func TestSlowBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newTransport(t, nil, WithScript(
			Fault{Status: 200, Body: strings.Repeat("x", 10), BodyDelay: time.Second, BodyChunk: 4, BodyErr: ErrConnReset},
		))
		resp, err := get(t, context.Background(), ft, "")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		// Reads of 4, 4, 2 bytes, then the reset: four reads, a second each.
		if len(b) != 10 || !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("ReadAll = %d bytes, %v; want 10 bytes, ECONNRESET", len(b), err)
		}
		if got := time.Since(start); got != 4*time.Second {
			t.Errorf("reading took %v, want 4s", got)
		}
	})
}

func TestSlowBodyHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newTransport(t, nil, WithScript(Fault{Status: 200, Body: "abc", BodyDelay: time.Hour}))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		resp, err := get(t, ctx, ft, "")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := resp.Body.Read(make([]byte, 8)); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Read error = %v, want DeadlineExceeded", err)
		}
	})
}

// A request passed to a real server arrives with its body.
func TestPassesToBase(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, "got "+string(b))
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	ft := newTransport(t, tr, WithScript(Fault{BodyErr: io.ErrUnexpectedEOF}))
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("hello"))
	resp, err := ft.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if string(b) != "got hello" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadAll = %q, %v; want %q, ErrUnexpectedEOF", b, err, "got hello")
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"nil option", nil, "faultinject: nil Option"},
		{"negative latency", WithScript(Fault{Latency: -1}), "faultinject: WithScript: fault 0: field Latency must be >= 0, got -1ns"},
		{"bad status", WithScript(Fault{}, Fault{Status: 42}), "faultinject: WithScript: fault 1: field Status must be 0 or in [100, 599], got 42"},
		{"negative body delay", WithChance(0.1, Fault{Status: 200, BodyDelay: -1}), "faultinject: WithChance: field BodyDelay must be >= 0, got -1ns"},
		{"negative chunk", WithScript(Fault{Status: 200, BodyChunk: -1}), "faultinject: WithScript: fault 0: field BodyChunk must be >= 0, got -1"},
		{"body without status", WithScript(Fault{Body: "x"}), "faultinject: WithScript: fault 0: fields Header and Body make an answer: they need a Status"},
		{"probability above 1", WithChance(1.5, Fault{}), "faultinject: WithChance: probability must be in [0, 1], got 1.5"},
		{"negative probability", WithChance(-0.1, Fault{}), "faultinject: WithChance: probability must be in [0, 1], got -0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(nil, tt.opt); err == nil || err.Error() != tt.want {
				t.Errorf("New(%s) = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
	if _, err := New(nil, WithChance(0.6, Fault{}), WithChance(0.6, Fault{})); err == nil || !strings.Contains(err.Error(), "more than 1") {
		t.Errorf("New(two chances of 0.6) = %v, want an error saying they add up to more than 1", err)
	}
}
