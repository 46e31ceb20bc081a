package retry

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// flakyServer answers 503 with a body to its first fails requests of each
// round of every requests, 200 to the others, and counts the connections
// it accepts and the bodies it gets.
type flakyServer struct {
	*httptest.Server
	conns atomic.Int64

	mu     sync.Mutex
	n      int
	bodies []string
}

func newFlakyServer(t *testing.T, fails, every int, errBody string) *flakyServer {
	t.Helper()
	s := &flakyServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.n++
		n := s.n
		s.bodies = append(s.bodies, string(b))
		s.mu.Unlock()
		if (n-1)%every < fails {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, errBody)
			return
		}
		io.WriteString(w, "ok")
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// Discarded responses are drained, so that every attempt of every request
// reuses one connection; without draining, each discarded response costs
// its connection.
func TestTransportReusesConnections(t *testing.T) {
	tests := []struct {
		name      string
		opts      []TransportOption
		wantConns int64
	}{
		{"drained", nil, 1},
		{"not drained", []TransportOption{WithDrainLimit(0)}, 1 + 5*2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFlakyServer(t, 2, 3, strings.Repeat("e", 2000))
			base := &http.Transport{}
			defer base.CloseIdleConnections()
			rt := newRetryTransport(t, base, newPolicy(t, WithStrategy(Constant(time.Nanosecond))), tt.opts...)
			client := &http.Client{Transport: rt}
			for i := range 5 {
				resp, err := client.Get(srv.URL)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(b) != "ok" || err != nil {
					t.Fatalf("request %d = %d %q, %v; want 200 ok", i, resp.StatusCode, b, err)
				}
			}
			if got := srv.conns.Load(); got != tt.wantConns {
				t.Errorf("15 attempts over %d connections, want %d", got, tt.wantConns)
			}
		})
	}
}

// Every attempt sends the same bytes to a real server, and the last
// response comes back whole when the attempts run out.
func TestTransportRealServer(t *testing.T) {
	srv := newFlakyServer(t, 3, 3, "busy: try later")
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	rt := newRetryTransport(t, base, newPolicy(t, WithStrategy(Constant(time.Nanosecond))))
	client := &http.Client{Transport: rt}
	body := strings.Repeat("payload-", 50_000)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	req.Header.Set(HeaderIdempotencyKey, "k-42")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || string(b) != "busy: try later" || err != nil {
		t.Errorf("response = %d %q, %v; want the last 503 whole", resp.StatusCode, b, err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.bodies) != 3 {
		t.Fatalf("server got %d requests, want 3", len(srv.bodies))
	}
	for i, got := range srv.bodies {
		if got != body {
			t.Errorf("attempt %d sent %d bytes, want the %d of the body", i+1, len(got), len(body))
		}
	}
	if got := srv.conns.Load(); got != 1 {
		t.Errorf("3 attempts over %d connections, want 1", got)
	}
}
