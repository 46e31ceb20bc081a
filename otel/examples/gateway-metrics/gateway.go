package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/limit"
	holdfastotel "github.com/holdfast-go/holdfast/otel"
	"github.com/holdfast-go/holdfast/queue"
	"github.com/holdfast-go/holdfast/retry"
)

// upstreams: users is healthy, inventory fails one request in three with
// 503, pricing fails every request for its first 400.
var upstreams = []struct {
	name string
	fail func(n int64) bool
}{
	{"users", func(int64) bool { return false }},
	{"inventory", func(n int64) bool { return n%3 == 0 }},
	{"pricing", func(n int64) bool { return n < 400 }},
}

// backend is one upstream as the gateway sees it.
type backend struct {
	name   string
	url    string
	dep    *holdfastotel.Dependency
	client *http.Client
}

type gateway struct {
	url      string
	servers  []*http.Server
	backends []*backend
	cache    *cache.Cache[string]
	audit    *queue.Pool[string]
	bulkhead *limit.Bulkhead
}

// startGateway starts the upstreams and the gateway, every pattern
// instrumented through in.
func startGateway(in *holdfastotel.Instrumentation, addr string) (*gateway, error) {
	g := &gateway{}
	if err := g.build(in); err != nil {
		g.close()
		return nil, err
	}
	h, err := g.handler(in)
	if err != nil {
		g.close()
		return nil, err
	}
	if g.url, err = g.listen(addr, h); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

func (g *gateway) build(in *holdfastotel.Instrumentation) error {
	budget, err := retry.NewBudget()
	if err != nil {
		return err
	}
	if _, err := in.ObserveRetryBudget("upstreams", budget.Stats); err != nil {
		return err
	}
	for _, u := range upstreams {
		b, err := g.upstream(in, u.name, u.fail, budget)
		if err != nil {
			return err
		}
		g.backends = append(g.backends, b)
	}
	if g.cache, err = cache.New[string](cache.WithLocalTTL(time.Second), cache.WithRemoteTTL(2*time.Second)); err != nil {
		return err
	}
	if _, err := in.ObserveCache("items", g.cache.Stats); err != nil {
		return err
	}
	g.audit, err = queue.NewPool(func(context.Context, string) error { return nil },
		queue.WithWorkers(1), queue.WithCapacity(64), queue.WithOverflow(queue.DropOldest))
	if err != nil {
		return err
	}
	if _, err := in.ObservePool("audit", g.audit.Stats); err != nil {
		return err
	}
	if g.bulkhead, err = limit.NewBulkhead(3); err != nil {
		return err
	}
	_, err = in.ObserveLimit("gateway", g.bulkhead.Stats)
	return err
}

// upstream starts an upstream server and builds its client: retry over
// breaker over deadline, as in the main gateway demo, each instrumented,
// over a transport that records http.client.request.duration.
func (g *gateway) upstream(in *holdfastotel.Instrumentation, name string, fail func(int64) bool, budget *retry.Budget) (*backend, error) {
	var n atomic.Int64
	url, err := g.listen("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail(n.Add(1) - 1) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "%s of %s", name, r.URL.Path)
	}))
	if err != nil {
		return nil, err
	}
	opts, err := in.BreakerOptions(name)
	if err != nil {
		return nil, err
	}
	br, err := breaker.New(append(opts, breaker.WithConsecutiveFailures(5), breaker.WithOpenDuration(500*time.Millisecond))...)
	if err != nil {
		return nil, err
	}
	if _, err := in.ObserveBreaker(br); err != nil {
		return nil, err
	}
	obs, err := in.HTTPRetryObserver(name)
	if err != nil {
		return nil, err
	}
	p, err := retry.New(retry.WithBudget(budget), retry.WithObserver(obs), retry.WithMaxAttempts(3),
		retry.WithStrategy(retry.FullJitter(5*time.Millisecond, 40*time.Millisecond)),
		retry.WithRetryIf(func(err error) bool { return !errors.Is(err, breaker.ErrOpen) }))
	if err != nil {
		return nil, err
	}
	rt, err := in.HTTPTransport(name, http.DefaultTransport)
	if err == nil {
		rt, err = deadline.Transport(rt)
	}
	if err == nil {
		rt, err = breaker.Transport(rt, br)
	}
	if err == nil {
		rt, err = retry.Transport(rt, p)
	}
	if err != nil {
		return nil, err
	}
	dep, err := in.Dependency(name)
	if err != nil {
		return nil, err
	}
	return &backend{name: name, url: url, dep: dep, client: &http.Client{Transport: rt}}, nil
}

// handler reads the item from every upstream, through the cache, within
// the request's budget and a place in the bulkhead.
func (g *gateway) handler(in *holdfastotel.Instrumentation) (http.Handler, error) {
	mw, err := deadline.Middleware(deadline.WithDefaultTimeout(time.Second))
	if err != nil {
		return nil, err
	}
	budget, err := in.DeadlineMiddleware("gateway")
	if err != nil {
		return nil, err
	}
	return mw(budget(http.HandlerFunc(g.serve))), nil
}

func (g *gateway) serve(w http.ResponseWriter, r *http.Request) {
	var parts []string
	err := g.bulkhead.Do(r.Context(), func(ctx context.Context) error {
		for _, b := range g.backends {
			v, err := g.cache.GetOrLoad(ctx, b.name+r.URL.Path, func(ctx context.Context) (string, error) {
				return holdfastotel.Call(ctx, b.dep, func(ctx context.Context) (string, error) { return b.get(ctx, r.URL.Path) })
			})
			if err != nil {
				v = "unavailable"
			}
			parts = append(parts, v)
		}
		return nil
	})
	_ = g.audit.TrySubmit(r.URL.Path)
	if err != nil {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, strings.Join(parts, "; "))
}

func (b *backend) get(ctx context.Context, path string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.url+path, nil)
	if err != nil {
		return "", err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", &retry.StatusError{StatusCode: resp.StatusCode}
	}
	return string(body), nil
}

func (g *gateway) listen(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	g.servers = append(g.servers, srv)
	go srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed at shutdown
	return "http://" + ln.Addr().String(), nil
}

// close stops the servers, the pool and the cache.
func (g *gateway) close() {
	for _, s := range g.servers {
		_ = s.Close()
	}
	if g.audit != nil {
		_, _ = g.audit.Shutdown(context.Background())
	}
	if g.cache != nil {
		_ = g.cache.Close()
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}
