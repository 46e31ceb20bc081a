package redis_test

import (
	"context"
	"fmt"
	"log"

	limitredis "github.com/holdfast-go/holdfast/limit/redis"
	"github.com/redis/go-redis/v9"
)

// A limit of 100 requests a minute per tenant, burst 20, shared by every
// replica; with Redis down, each of 4 replicas allows a quarter of it.
// (Not run: it needs a Redis server.)
func ExampleLimiter_Allow() {
	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer client.Close()
	lim, err := limitredis.New(client, limitredis.PerMinute(100, 20), limitredis.WithFailOpen(0.25, 0))
	if err != nil {
		log.Fatal(err)
	}
	res, err := lim.Allow(context.Background(), "tenant-42")
	if err != nil {
		log.Fatal(err)
	}
	if !res.Allowed {
		fmt.Println("429, retry after", res.RetryAfter)
		return
	}
	fmt.Println("allowed,", res.Remaining, "left")
}
