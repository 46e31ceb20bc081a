package holdfastotel_test

import (
	"context"
	"log"

	holdfastotel "github.com/holdfast-go/holdfast/otel"
	qredis "github.com/holdfast-go/holdfast/queue/redis"
	"github.com/redis/go-redis/v9"
)

// ExampleInstrumentation_ObserveRedisQueue reports a queue/redis
// consumer's lag, pending entries, jobs by result (dead letters among
// them) and reclaims, read from its Stats when the metrics are collected.
// It needs a Redis, so it has no output.
func ExampleInstrumentation_ObserveRedisQueue() {
	ctx := context.Background()
	in, err := holdfastotel.New()
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	orders, err := qredis.NewConsumer(ctx, rdb, "orders", "billing", func(ctx context.Context, id string) error {
		return nil // charge the order
	})
	if err != nil {
		log.Fatal(err)
	}
	defer orders.Shutdown(ctx)
	reg, err := in.ObserveRedisQueue("orders", orders.Stats)
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Unregister()
}
