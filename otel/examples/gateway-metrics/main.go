// Command gateway-metrics is the gateway demo with its metrics exported:
// a small HTTP gateway in front of three upstreams, every pattern
// instrumented through holdfastotel, and the OpenTelemetry Prometheus
// exporter serving Prometheus text at /metrics.
//
//	go run ./examples/gateway-metrics                      # 5s of load, then the holdfast series
//	go run ./examples/gateway-metrics -serve               # gateway on :8080, /metrics on :9464
//	curl -s localhost:9464/metrics | grep ^holdfast_
//
// It lives in the otel module, not beside examples/gateway, because the
// core module does not depend on OpenTelemetry: the gateway here is a
// smaller copy of the main demo's (the same stack per upstream: retry over
// breaker over deadline, a two-tier cache, an audit pool, a bulkhead),
// wired to an Instrumentation. Everything runs on loopback.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway-metrics:", err)
		os.Exit(1)
	}
}
