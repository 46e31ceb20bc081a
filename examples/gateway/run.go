package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// shutdownGrace bounds the graceful shutdown.
const shutdownGrace = 5 * time.Second

// run parses args and runs the demo, or with -serve only the services.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	out := &lockedWriter{w: stdout}
	if cfg.serve {
		return serve(ctx, cfg, out)
	}
	r, err := demo(ctx, cfg, out)
	if err != nil {
		return err
	}
	r.print(out)
	return r.check()
}

// demo starts the services, drives the load through the phases, shuts
// everything down and gathers the result.
func demo(ctx context.Context, cfg config, out io.Writer) (result, error) {
	rec := newRecorder(out)
	s, err := start(ctx, cfg, rec.onStateChange)
	if err != nil {
		return result{}, err
	}
	fmt.Fprintf(out, "gateway on %s, upstreams %s, cache tier %s; %v of load from %d workers\n",
		s.url, upstreamURLs(s), storeName(cfg), cfg.duration, cfg.concurrency)
	samples, sent, err := drive(ctx, cfg, s, rec, out)
	r := result{elapsed: rec.since(), sent: sent}
	r.total, r.phases = tallies(samples)
	for _, b := range s.gw.backends {
		r.breakers = append(r.breakers, breakerSummary{b.name, b.breaker.Stats()})
	}
	r.cache, r.budget = s.gw.cache.Stats(), s.gw.budget.Stats()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	var shutErr error
	r.audit, shutErr = s.shutdown(shutCtx)
	r.limiter = s.gw.admit.Stats() // after the shutdown: no request in flight
	r.transitions = rec.transitions()
	return r, errors.Join(err, shutErr)
}

// serve runs the services until ctx is done, then shuts them down.
func serve(ctx context.Context, cfg config, out io.Writer) error {
	rec := newRecorder(out)
	s, err := start(ctx, cfg, rec.onStateChange)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "gateway listening on %s (upstreams %s, cache tier %s)\n", s.url, upstreamURLs(s), storeName(cfg))
	fmt.Fprintf(out, "try: curl '%s/item?id=42'   or   wrk -t2 -c16 -d10s '%s/item?id=42'\n", s.url, s.url)
	fmt.Fprintln(out, "Ctrl-C or SIGTERM shuts down gracefully")
	<-ctx.Done()
	fmt.Fprintln(out, "shutting down: finishing requests in flight and queued audit events")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	a, err := s.shutdown(shutCtx)
	fmt.Fprintf(out, "served %d requests; audit events: %d accepted = %d written + %d failed + %d handed back; %d refused\n",
		a.Served, a.Accepted, a.Handled, a.Failed, a.Returned, a.Refused)
	return err
}

func upstreamURLs(s *system) string {
	var b []byte
	for i, u := range s.ups {
		if i > 0 {
			b = append(b, ' ')
		}
		b = fmt.Appendf(b, "%s=%s", u.name, u.url)
	}
	return string(b)
}

func storeName(cfg config) string {
	if cfg.redis != "" {
		return "redis at " + cfg.redis
	}
	return "in memory"
}
