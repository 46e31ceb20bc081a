package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/queue"
	"github.com/holdfast-go/holdfast/retry"
)

// Budgets and timeouts of the gateway.
const (
	maxBudget      = 500 * time.Millisecond // the most a request may get
	attemptTimeout = 80 * time.Millisecond  // one call to an upstream
	loadTimeout    = 250 * time.Millisecond // one cache load: retries included
	localTTL       = time.Second
	remoteTTL      = 5 * time.Second
)

var errUnavailable = errors.New("upstream unavailable")

// backend is the gateway's view of one upstream: its URL, its breaker, and
// the client that calls it through the transports (see upstreamClient).
type backend struct {
	name    string
	url     string
	breaker *breaker.Breaker
	client  *http.Client
}

// gateway serves GET /item?id=ID by reading the item from every backend.
type gateway struct {
	backends []*backend
	conns    *http.Transport // the connections of every backend's client
	retries  *retry.Policy
	budget   *retry.Budget
	cache    *cache.Cache[string]
	audit    *queue.Pool[auditEvent]
	admit    *limit.Bulkhead // admission: sheds what is past its places and queue
	served   atomic.Int64    // requests that reached the handler
	refused  atomic.Int64    // audit events the pool did not accept
}

// handler returns the gateway's HTTP handler: load shedding first (the
// health check is never shed), then the budget middleware.
func (g *gateway) handler() (http.Handler, error) {
	mw, err := deadline.Middleware(deadline.WithMaxTimeout(maxBudget), deadline.WithDefaultTimeout(300*time.Millisecond))
	if err != nil {
		return nil, err
	}
	shed, err := limit.Shed(g.admit, limit.WithPriority(func(r *http.Request) limit.Priority {
		if r.URL.Path == "/healthz" {
			return limit.Critical
		}
		return limit.Normal
	}))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /item", g.item)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") }) //nolint:errcheck
	return shed(mw(mux)), nil
}

// newAdmission is the gateway's bulkhead: as many requests in flight as
// the load generator has workers, as many again waiting (newest first:
// LIFO serves the clients still waiting for an answer) for at most 50ms,
// beyond which a request is shed with 503 and Retry-After. The normal load
// never fills it; the burst phase's does, and the upstreams behind it see
// no more calls than under the normal load.
func newAdmission(cfg config) (*limit.Bulkhead, error) {
	return limit.NewBulkhead(cfg.concurrency, limit.WithMaxWaiting(cfg.concurrency),
		limit.WithMaxWait(50*time.Millisecond), limit.WithLIFO())
}

// item reads the item from every backend at once and answers with what it
// got: 200 when every part came back, 206 when some did, 503 when none did.
func (g *gateway) item(w http.ResponseWriter, r *http.Request) {
	g.served.Add(1)
	id := r.URL.Query().Get("id")
	if id == "" {
		http.Error(w, "missing id", http.StatusBadRequest)
		return
	}
	results, _ := fanout.MapAll(r.Context(), g.backends, func(ctx context.Context, b *backend) (string, error) {
		return g.cache.GetOrLoad(ctx, b.name+":"+id, func(ctx context.Context) (string, error) {
			return g.fetch(ctx, b, id)
		})
	})
	var body strings.Builder
	failed := 0
	for i, res := range results {
		if res.Err != nil {
			failed++
			fmt.Fprintf(&body, "%s: missing (%v)\n", g.backends[i].name, res.Err)
			continue
		}
		fmt.Fprintln(&body, res.Value)
	}
	status := statusFor(failed, len(results))
	g.record(r.Context(), auditEvent{id: id, status: status})
	w.WriteHeader(status)
	io.WriteString(w, body.String()) //nolint:errcheck // the client may have gone
}

// statusFor is the answer to a request where failed of n parts failed.
func statusFor(failed, n int) int {
	switch failed {
	case 0:
		return http.StatusOK
	case n:
		return http.StatusServiceUnavailable
	}
	return http.StatusPartialContent
}

// fetch reads one item from b through b's client, whose transports retry
// (from the shared budget), pass each attempt through b's breaker, and
// send each attempt's remaining budget. A 5xx answer, the last one when
// the retries ran out, is errUnavailable; anything else but 200 is an error
// too.
func (g *gateway) fetch(ctx context.Context, b *backend, id string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.url+"/item?id="+id, nil)
	if err != nil {
		return "", err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return "", err
	case resp.StatusCode >= 500:
		return "", fmt.Errorf("%w: %s", errUnavailable, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("upstream answered %s", resp.Status)
	}
	return string(body), nil
}

// upstreamClient returns the client of one upstream: retry.Transport
// outermost, then the upstream's breaker.Transport, then
// deadline.Transport next to the connections, so that every attempt passes
// the breaker and carries its own remaining budget.
func upstreamClient(conns http.RoundTripper, b *breaker.Breaker, p *retry.Policy) (*http.Client, error) {
	rt, err := deadline.Transport(conns)
	if err != nil {
		return nil, err
	}
	if rt, err = breaker.Transport(rt, b); err != nil {
		return nil, err
	}
	if rt, err = retry.Transport(rt, p); err != nil {
		return nil, err
	}
	return &http.Client{Transport: rt}, nil
}

// retryable is the retry policy's classification. The transports would
// wait for an open breaker's next probe when it comes before the deadline;
// the gateway would rather answer at once with the parts it has, so a
// rejection is not retried.
func retryable(err error) bool { return !errors.Is(err, breaker.ErrOpen) }
