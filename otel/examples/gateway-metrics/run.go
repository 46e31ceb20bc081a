package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	holdfastotel "github.com/holdfast-go/holdfast/otel"
)

type config struct {
	metrics  string // /metrics listen address
	addr     string // gateway listen address
	serve    bool
	duration time.Duration
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("gateway-metrics", flag.ContinueOnError)
	var c config
	fs.StringVar(&c.metrics, "metrics", "", "serve Prometheus text at http://`address`/metrics (default 127.0.0.1:9464 with -serve, a free port otherwise)")
	fs.StringVar(&c.addr, "addr", "", "gateway listen `address` (default 127.0.0.1:8080 with -serve, a free port otherwise)")
	fs.BoolVar(&c.serve, "serve", false, "serve until SIGINT or SIGTERM instead of running the load and printing the series")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "how long the load runs")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.duration <= 0 {
		return c, fmt.Errorf("-duration must be > 0, got %v", c.duration)
	}
	c.metrics = orDefault(c.metrics, c.serve, "127.0.0.1:9464")
	c.addr = orDefault(c.addr, c.serve, "127.0.0.1:8080")
	return c, nil
}

func orDefault(addr string, serve bool, def string) string {
	switch {
	case addr != "":
		return addr
	case serve:
		return def
	}
	return "127.0.0.1:0"
}

// run starts the upstreams, the gateway and the /metrics server; then it
// either serves until ctx ends (-serve) or runs the load and prints the
// holdfast series that /metrics serves.
func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck // nothing left to report
	in, err := holdfastotel.New(holdfastotel.WithMeterProvider(mp))
	if err != nil {
		return err
	}
	gw, err := startGateway(in, cfg.addr)
	if err != nil {
		return err
	}
	defer gw.close()
	metricsURL, stopMetrics, err := serveMetrics(cfg.metrics, reg)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if cfg.serve {
		fmt.Fprintf(out, "gateway at %s, metrics at %s\n", gw.url, metricsURL)
		<-ctx.Done()
		return nil
	}
	if err := load(ctx, gw.url, cfg.duration); err != nil {
		return err
	}
	return printSeries(ctx, metricsURL, out)
}

func serveMetrics(addr string, reg *prometheus.Registry) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("-metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Second}
	go srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed at shutdown
	return "http://" + ln.Addr().String() + "/metrics", func() { _ = srv.Close() }, nil
}

// load sends requests from four clients until d has passed.
func load(ctx context.Context, url string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	errs := make(chan error, 4)
	for c := range 4 {
		go func() {
			var err error
			for i := 0; ctx.Err() == nil && err == nil; i++ {
				err = get(ctx, fmt.Sprintf("%s/item/%d", url, (c*7+i)%50))
			}
			errs <- err
		}()
	}
	var all []error
	for range 4 {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// get sends one request with a budget of 200ms; the gateway's own
// failures are part of the demo, only a transport error is an error.
func get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Request-Timeout", "200")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// printSeries prints the holdfast_ and http_client_ lines of /metrics, less the histogram
// buckets, with the scope labels cut for reading.
var scopeLabels = strings.NewReplacer(`,otel_scope_name="github.com/holdfast-go/holdfast/otel",otel_scope_schema_url="",otel_scope_version=""`, "",
	`otel_scope_name="github.com/holdfast-go/holdfast/otel",otel_scope_schema_url="",otel_scope_version=""`, "")

func printSeries(ctx context.Context, url string, out io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if (strings.HasPrefix(line, "holdfast_") || strings.HasPrefix(line, "http_client_")) && !strings.Contains(line, "_bucket{") ||
			strings.HasPrefix(line, "# TYPE holdfast_") || strings.HasPrefix(line, "# TYPE http_client_") {
			fmt.Fprintln(out, scopeLabels.Replace(line))
		}
	}
	return sc.Err()
}
