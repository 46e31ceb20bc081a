package holdfastotel_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/idempotency"
	holdfastotel "github.com/holdfast-go/holdfast/otel"
	"github.com/holdfast-go/holdfast/queue"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// ExampleInstrumentation_ObserveIdempotency reports the counts of an
// idempotency Group: a first call, a replay and a conflict.
func ExampleInstrumentation_ObserveIdempotency() {
	reader := sdkmetric.NewManualReader()
	in, err := holdfastotel.New(holdfastotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		panic(err)
	}
	g, err := idempotency.New()
	if err != nil {
		panic(err)
	}
	if _, err := in.ObserveIdempotency("orders", g.Stats); err != nil {
		panic(err)
	}
	ctx := context.Background()
	create := func(context.Context) (int, error) { return 42, nil }
	_, _, _ = idempotency.Do(ctx, g, "order-1", "fp", create)
	_, _, _ = idempotency.Do(ctx, g, "order-1", "fp", create)
	_, _, err = idempotency.Do(ctx, g, "order-1", "another body", create)
	fmt.Println("reused key:", errors.Is(err, idempotency.ErrKeyReused))
	printMetrics(reader, "holdfast.idempotency")
	// Output:
	// reused key: true
	// holdfast.idempotency.calls{holdfast.idempotency.result=conflict,holdfast.name=orders} 1
	// holdfast.idempotency.calls{holdfast.idempotency.result=executed,holdfast.name=orders} 1
	// holdfast.idempotency.calls{holdfast.idempotency.result=fail_open,holdfast.name=orders} 0
	// holdfast.idempotency.calls{holdfast.idempotency.result=rejected,holdfast.name=orders} 0
	// holdfast.idempotency.calls{holdfast.idempotency.result=replayed,holdfast.name=orders} 1
	// holdfast.idempotency.store_errors{holdfast.name=orders} 0
	// holdfast.idempotency.waits{holdfast.name=orders} 0
}

// ExampleInstrumentation_CacheObserver records the time of a cache's
// loads: one that succeeds and one that finds nothing.
func ExampleInstrumentation_CacheObserver() {
	reader := sdkmetric.NewManualReader()
	in, err := holdfastotel.New(holdfastotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		panic(err)
	}
	obs, err := in.CacheObserver("users")
	if err != nil {
		panic(err)
	}
	users, err := cache.New[string](cache.WithObserver(obs))
	if err != nil {
		panic(err)
	}
	defer users.Close()
	ctx := context.Background()
	_, _ = users.GetOrLoad(ctx, "u1", func(context.Context) (string, error) { return "Ada", nil })
	_, _ = users.GetOrLoad(ctx, "u1", func(context.Context) (string, error) { return "Ada", nil }) // a hit: no load
	_, _ = users.GetOrLoad(ctx, "u2", func(context.Context) (string, error) { return "", cache.ErrNotFound })
	printMetrics(reader, "holdfast.cache.load_time")
	// Output:
	// holdfast.cache.load_time{error.type=not_found,holdfast.name=users} count=1
	// holdfast.cache.load_time{holdfast.name=users} count=1
}

// ExampleInstrumentation_PoolObserver records the time each item of a
// pool waited and the time its handler took.
func ExampleInstrumentation_PoolObserver() {
	reader := sdkmetric.NewManualReader()
	in, err := holdfastotel.New(holdfastotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		panic(err)
	}
	obs, err := in.PoolObserver("mailer")
	if err != nil {
		panic(err)
	}
	pool, err := queue.NewPool(func(context.Context, string) error { return nil }, queue.WithObserver(obs))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, to := range []string{"a@example.com", "b@example.com"} {
		if err := pool.Submit(ctx, to); err != nil {
			panic(err)
		}
	}
	if _, err := pool.Shutdown(ctx); err != nil {
		panic(err)
	}
	printMetrics(reader, "holdfast.queue")
	// Output:
	// holdfast.queue.handle_time{holdfast.name=mailer} count=2
	// holdfast.queue.wait_time{holdfast.name=mailer} count=2
}
