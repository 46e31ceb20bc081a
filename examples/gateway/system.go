package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	cacheredis "github.com/holdfast-go/holdfast/cache/redis"
	"github.com/holdfast-go/holdfast/lifecycle"
	"github.com/holdfast-go/holdfast/queue"
	"github.com/holdfast-go/holdfast/retry"
)

// upstreamNames are the three services the gateway reads from.
var upstreamNames = []string{"users", "inventory", "pricing"}

// system is everything the demo runs: the upstreams and the gateway.
type system struct {
	ups   []*upstream
	gw    *gateway
	log   *auditLog
	srv   *http.Server
	url   string
	redis *goredis.Client // nil with the in-memory Store
}

// start builds and starts the upstreams and the gateway. onChange receives
// every breaker's state changes. On error, what was started is stopped.
func start(ctx context.Context, cfg config, onChange func(name string, from, to breaker.State)) (*system, error) {
	s := &system{log: &auditLog{}}
	if err := s.startAll(ctx, cfg, onChange); err != nil {
		// Clean up even when ctx is what failed; the first error matters.
		_, _ = s.shutdown(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// startAll starts the upstreams, then the gateway.
func (s *system) startAll(ctx context.Context, cfg config, onChange func(name string, from, to breaker.State)) error {
	store, err := s.store(ctx, cfg.redis)
	if err != nil {
		return err
	}
	for _, name := range upstreamNames {
		u, err := startUpstream(name)
		if err != nil {
			return err
		}
		s.ups = append(s.ups, u)
	}
	if s.gw, err = newGateway(cfg, s.ups, store, s.log, onChange); err != nil {
		return err
	}
	return s.listen(cfg.addr)
}

// store returns the cache's shared tier: Redis at addr, checked with a
// PING, or an in-memory Store when addr is empty.
func (s *system) store(ctx context.Context, addr string) (cache.Store, error) {
	if addr == "" {
		return cache.NewMemoryStore(100_000)
	}
	s.redis = goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.redis.Ping(pingCtx).Err(); err != nil {
		return nil, fmt.Errorf("redis at %s does not answer: %w", addr, err)
	}
	return cacheredis.New(s.redis, cacheredis.WithPrefix("holdfast-gateway:"))
}

// newGateway builds the gateway over ups.
func newGateway(cfg config, ups []*upstream, store cache.Store, log *auditLog, onChange func(string, breaker.State, breaker.State)) (*gateway, error) {
	g := &gateway{conns: &http.Transport{MaxIdleConnsPerHost: 64}}
	var err error
	if g.admit, err = newAdmission(cfg); err != nil {
		return nil, err
	}
	if g.budget, err = retry.NewBudget(); err != nil {
		return nil, err
	}
	g.retries, err = retry.New(retry.WithMaxAttempts(3), retry.WithBudget(g.budget),
		retry.WithStrategy(retry.FullJitter(5*time.Millisecond, 40*time.Millisecond)),
		retry.WithAttemptTimeout(attemptTimeout), retry.WithRetryIf(retryable))
	if err != nil {
		return nil, err
	}
	for _, u := range ups {
		b, err := breaker.New(breaker.WithName(u.name), breaker.WithConsecutiveFailures(5),
			breaker.WithOpenDuration(cfg.openDuration()), breaker.WithOnStateChange(onChange))
		if err != nil {
			return nil, err
		}
		client, err := upstreamClient(g.conns, b, g.retries)
		if err != nil {
			return nil, err
		}
		g.backends = append(g.backends, &backend{name: u.name, url: u.url, breaker: b, client: client})
	}
	g.cache, err = cache.New[string](cache.WithStore(store), cache.WithCodec(cache.RawCodec{}),
		cache.WithLocalTTL(localTTL), cache.WithRemoteTTL(remoteTTL), cache.WithLoadTimeout(loadTimeout))
	if err != nil {
		return nil, err
	}
	if g.audit, err = queue.NewPool(log.write, queue.WithWorkers(2), queue.WithCapacity(1024)); err != nil {
		g.cache.Close() //nolint:errcheck // the pool's error matters
		return nil, err
	}
	return g, nil
}

// listen starts the gateway's HTTP server on addr.
func (s *system) listen(addr string) error {
	h, err := s.gw.handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed at shutdown
	return nil
}

// auditSummary is where the audit events ended.
type auditSummary struct {
	Served   int64 // requests that reached the gateway's handler
	Accepted uint64
	Handled  uint64
	Failed   uint64
	Returned uint64 // handed back by Shutdown: to be written elsewhere
	Refused  int64
}

// shutdown stops everything in one ordered sequence (lifecycle.Shutdown),
// within shutdownGrace or ctx's deadline if sooner: the gateway's HTTP
// server first (requests in flight finish), then the audit pool (queued
// events are written, what cannot be is handed back), then the cache and
// the gateway's client, then the upstreams, then the Redis client. Every
// stage runs, even past the deadline. It returns where the audit events
// ended.
func (s *system) shutdown(ctx context.Context) (auditSummary, error) {
	sd, err := lifecycle.NewShutdown(lifecycle.WithTimeout(shutdownGrace))
	if err != nil {
		return auditSummary{}, err
	}
	var sum auditSummary
	var errs []error
	add := func(name string, stage func(context.Context) error) {
		errs = append(errs, sd.Add(name, stage))
	}
	if s.srv != nil {
		add("http", lifecycle.HTTPServer(s.srv))
	}
	if g := s.gw; g != nil {
		add("audit", func(ctx context.Context) error {
			returned, err := g.audit.Shutdown(ctx)
			st := g.audit.Stats()
			sum = auditSummary{Served: g.served.Load(), Accepted: st.Accepted, Handled: st.Handled,
				Failed: st.Failed, Returned: uint64(len(returned)), Refused: g.refused.Load()}
			return err
		})
		add("cache", func(context.Context) error {
			g.conns.CloseIdleConnections()
			return g.cache.Close()
		})
	}
	for _, u := range s.ups {
		add("upstream "+u.name, u.close)
	}
	if s.redis != nil {
		add("redis", lifecycle.Closer(s.redis))
	}
	_, err = sd.Run(ctx)
	return sum, errors.Join(append(errs, err)...)
}
