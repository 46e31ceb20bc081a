package holdfastotel

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/queue"
	qredis "github.com/holdfast-go/holdfast/queue/redis"
	"github.com/holdfast-go/holdfast/retry"
	"github.com/prometheus/client_golang/prometheus"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// TestTableMatchesPrometheus exercises every instrument through the
// OpenTelemetry Prometheus exporter and checks that the table of the
// package documentation lists exactly the metric names it exports.
func TestTableMatchesPrometheus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			t.Fatal(err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
		defer mp.Shutdown(context.Background()) //nolint:errcheck // test teardown
		in, err := New(WithMeterProvider(mp))
		if err != nil {
			t.Fatal(err)
		}
		exerciseAll(t, in)
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range families {
			if n := f.GetName(); strings.HasPrefix(n, "holdfast_") || strings.HasPrefix(n, "http_client_") {
				got = append(got, n)
			}
		}
		sort.Strings(got)
		want := tableNames(t)
		if len(want) < 40 {
			t.Fatalf("the table in doc.go lists %d names, want every instrument", len(want))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("exported:\n%s\n\ntable in doc.go:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// tableNames returns the Prometheus names in the last column of the
// table in doc.go.
func tableNames(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for line := range strings.SplitSeq(string(src), "\n") {
		fields := strings.Fields(strings.TrimPrefix(line, "//"))
		if !strings.HasPrefix(line, "//\t") || len(fields) < 2 {
			continue
		}
		last := fields[len(fields)-1]
		if (strings.HasPrefix(fields[0], "holdfast.") || strings.HasPrefix(fields[0], "http.client.")) &&
			(strings.HasPrefix(last, "holdfast_") || strings.HasPrefix(last, "http_client_")) {
			names = append(names, last)
		}
	}
	sort.Strings(names)
	return names
}

// exerciseAll records at least one value in every instrument.
func exerciseAll(t *testing.T, in *Instrumentation) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	dep, err := in.Dependency("dep")
	must(nil, err)
	budget, err := retry.NewBudget()
	must(nil, err)
	must(in.ObserveRetryBudget("budget", budget.Stats))
	obs, err := in.RetryObserver("policy")
	must(nil, err)
	p, err := retry.New(retry.WithObserver(obs), retry.WithBudget(budget), retry.WithStrategy(retry.Constant(time.Millisecond)))
	must(nil, err)
	n := 0
	_ = dep.Do(ctx, func(ctx context.Context) error {
		return p.Do(ctx, func(context.Context) error {
			if n++; n == 1 {
				return errors.New("boom")
			}
			return nil
		})
	})

	opts, err := in.BreakerOptions("breaker")
	must(nil, err)
	b, err := breaker.New(append(opts, breaker.WithConsecutiveFailures(1))...)
	must(nil, err)
	must(in.ObserveBreaker(b))
	_ = b.Do(ctx, func(context.Context) error { return errors.New("boom") })

	c, err := cache.New[string]()
	must(nil, err)
	defer c.Close()
	must(in.ObserveCache("cache", c.Stats))

	pobs, err := in.PoolObserver("pool")
	must(nil, err)
	pool, err := queue.NewPool(func(context.Context, int) error { return nil }, queue.WithObserver(pobs))
	must(nil, err)
	must(in.ObservePool("pool", pool.Stats))
	must(in.ObserveRedisQueue("redisqueue", func() qredis.Stats { return qredis.Stats{Pending: 1, Lag: 1} }))
	must(nil, pool.Submit(ctx, 1))
	_, err = pool.Shutdown(ctx)
	must(nil, err)

	bh, err := limit.NewBulkhead(1)
	must(nil, err)
	must(in.ObserveLimit("bulkhead", bh.Stats))
	th, err := limit.NewThrottle()
	must(nil, err)
	must(in.ObserveThrottle("throttle", th.Stats))

	hobs, err := in.HedgeObserver("hedge")
	must(nil, err)
	calls := 0
	_, _ = fanout.Hedge(ctx, func(ctx context.Context) (int, error) {
		if calls++; calls == 1 {
			return 0, errors.New("boom")
		}
		return 1, nil
	}, time.Second, fanout.WithHedgeObserver(hobs), fanout.WithMaxAttempts(2))

	mw, err := deadline.Middleware()
	must(nil, err)
	record, err := in.DeadlineMiddleware("server")
	must(nil, err)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set(deadline.HeaderTimeout, "100")
	mw(record(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))).ServeHTTP(httptest.NewRecorder(), req)

	rt, err := in.HTTPTransport("client", roundTrip(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	}))
	must(nil, err)
	_, err = rt.RoundTrip(httptest.NewRequest(http.MethodGet, "http://client.invalid/", nil))
	must(nil, err)
	exerciseHooks(t, in)
}
