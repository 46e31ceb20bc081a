package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/deadline"
)

// upstream is a fake HTTP service on loopback whose latency and failure
// rate can be changed while it runs.
type upstream struct {
	name     string
	url      string
	srv      *http.Server
	latency  atomic.Int64  // nanoseconds per call
	failRate atomic.Uint64 // float64 bits: the share of calls answered 503
	calls    atomic.Uint64
}

// Healthy upstreams answer in a few milliseconds and fail one call in 50,
// which a retry absorbs.
const (
	baseLatency  = 2 * time.Millisecond
	baseFailRate = 0.02
)

// startUpstream starts an upstream named name on a free loopback port.
func startUpstream(name string) (*upstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("upstream %s: %w", name, err)
	}
	u := &upstream{name: name, url: "http://" + ln.Addr().String()}
	u.set(baseLatency, baseFailRate)
	// The middleware gives each request the budget the gateway sent.
	mw, err := deadline.Middleware(deadline.WithMaxTimeout(time.Second), deadline.WithLayer(name))
	if err != nil {
		ln.Close()
		return nil, err
	}
	u.srv = &http.Server{Handler: mw(u), ReadHeaderTimeout: time.Second}
	go u.srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed at shutdown
	return u, nil
}

// set changes the upstream's latency and failure rate, in [0, 1].
func (u *upstream) set(latency time.Duration, failRate float64) {
	u.latency.Store(int64(latency))
	u.failRate.Store(math.Float64bits(failRate))
}

// ServeHTTP answers GET /item?id=ID after the upstream's latency, or 503 for
// its share of failing calls. The failures are spread evenly over the calls
// (every 50th at 2%, every call at 100%), so runs are repeatable.
func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := u.calls.Add(1)
	t := time.NewTimer(time.Duration(u.latency.Load()))
	defer t.Stop()
	select {
	case <-r.Context().Done(): // the budget ran out: the caller has gone
		http.Error(w, "budget exhausted", http.StatusGatewayTimeout)
		return
	case <-t.C:
	}
	rate := math.Float64frombits(u.failRate.Load())
	if math.Floor(float64(n)*rate) != math.Floor(float64(n-1)*rate) {
		http.Error(w, u.name+" unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, "%s of item %s", u.name, r.URL.Query().Get("id"))
}

// close shuts the upstream down, waiting for calls in flight within ctx.
func (u *upstream) close(ctx context.Context) error {
	if err := u.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("upstream %s: %w", u.name, err)
	}
	return nil
}
