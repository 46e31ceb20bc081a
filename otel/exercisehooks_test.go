package holdfastotel

import (
	"context"
	"testing"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/idempotency"
	qredis "github.com/holdfast-go/holdfast/queue/redis"
)

// exerciseHooks records a value in the instruments of the cache load,
// idempotency and Redis producer hooks, for exerciseAll (the pool's wait
// time is recorded by the pool exerciseAll runs).
func exerciseHooks(t *testing.T, in *Instrumentation) {
	t.Helper()
	ctx := context.Background()
	obs, err := in.CacheObserver("loads")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cache.New[string](cache.WithObserver(obs))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.GetOrLoad(ctx, "k", func(context.Context) (string, error) { return "v", nil }); err != nil {
		t.Fatal(err)
	}
	g, err := idempotency.New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.ObserveIdempotency("orders", g.Stats); err != nil {
		t.Fatal(err)
	}
	if _, err := in.ObserveRedisProducer("producer", func() qredis.ProducerStats { return qredis.ProducerStats{Enqueued: 1} }); err != nil {
		t.Fatal(err)
	}
}
