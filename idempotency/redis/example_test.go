package redis_test

import (
	"context"
	"fmt"
	"log"

	"github.com/holdfast-go/holdfast/idempotency"
	idemredis "github.com/holdfast-go/holdfast/idempotency/redis"
	"github.com/redis/go-redis/v9"
)

// Two replicas of a service share their idempotency records through
// Redis: a payment run by one is replayed by the other. (No output: it
// needs a Redis at localhost:6379.)
func Example() {
	newReplica := func() *idempotency.Group {
		client := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
		store, err := idemredis.New(client)
		if err != nil {
			log.Fatal(err)
		}
		g, err := idempotency.New(idempotency.WithStore(store))
		if err != nil {
			log.Fatal(err)
		}
		return g
	}
	a, b := newReplica(), newReplica()
	charge := func(ctx context.Context) (string, error) { return "receipt-1", nil }
	ctx := context.Background()
	r1, _, err := idempotency.Do(ctx, a, "payment-42", "amount=100", charge)
	if err != nil {
		log.Fatal(err)
	}
	r2, replayed, err := idempotency.Do(ctx, b, "payment-42", "amount=100", charge)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r1, r2, replayed) // receipt-1 receipt-1 true
}
