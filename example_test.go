package holdfast_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast"
	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// A pipeline built once from the pieces a service already has, then used
// for every call to one dependency.
func Example() {
	policy, err := retry.New(retry.WithMaxAttempts(3), retry.WithStrategy(retry.Constant(time.Millisecond)))
	if err != nil {
		log.Fatal(err)
	}
	b, err := breaker.New(breaker.WithName("prices"), breaker.WithConsecutiveFailures(5))
	if err != nil {
		log.Fatal(err)
	}
	bulkhead, err := limit.NewBulkhead(10)
	if err != nil {
		log.Fatal(err)
	}
	p, err := holdfast.New(
		holdfast.WithTimeout(2*time.Second),
		holdfast.WithRetry(policy),
		holdfast.WithBreaker(b),
		holdfast.WithLimiter(bulkhead),
		holdfast.WithAttemptTimeout(300*time.Millisecond),
	)
	if err != nil {
		log.Fatal(err)
	}

	calls := 0
	price, err := holdfast.Run(context.Background(), p, func(ctx context.Context) (int, error) {
		calls++
		if calls < 3 {
			return 0, errors.New("connection reset") // two passing failures
		}
		return 500, nil
	})
	fmt.Println(price, err, "after", calls, "attempts")
	// Output: 500 <nil> after 3 attempts
}

// A fallback answers once the retries have given up, and sees why.
func ExampleWithFallback() {
	policy, err := retry.New(retry.WithMaxAttempts(2), retry.WithStrategy(retry.Constant(time.Millisecond)))
	if err != nil {
		log.Fatal(err)
	}
	p, err := holdfast.New(
		holdfast.WithRetry(policy),
		holdfast.WithFallback(func(ctx context.Context, err error) (string, error) {
			fmt.Println("fallback after:", err)
			return "cached price", nil
		}),
	)
	if err != nil {
		log.Fatal(err)
	}
	v, err := holdfast.Run(context.Background(), p, func(ctx context.Context) (string, error) {
		return "", errors.New("pricing unavailable")
	})
	fmt.Println(v, err)
	// Output:
	// fallback after: retry: attempts exhausted after 2 attempts: pricing unavailable
	// cached price <nil>
}

// An open breaker's rejection is an error the caller can branch on, and
// that the fallback sees.
func ExamplePipeline_Do() {
	b, err := breaker.New(breaker.WithName("ledger"))
	if err != nil {
		log.Fatal(err)
	}
	b.ForceOpen()
	p, err := holdfast.New(holdfast.WithBreaker(b))
	if err != nil {
		log.Fatal(err)
	}
	err = p.Do(context.Background(), func(ctx context.Context) error { return nil })
	fmt.Println(errors.Is(err, breaker.ErrOpen), err)
	// Output: true breaker: "ledger" forced open
}

// The README's first example: three lookups at most two at a time, each
// through one pipeline.
func Example_fanOut() {
	b, err := breaker.New(breaker.WithName("prices"), breaker.WithConsecutiveFailures(5))
	if err != nil {
		log.Fatal(err)
	}
	policy, err := retry.New(retry.WithMaxAttempts(3),
		retry.WithStrategy(retry.FullJitter(time.Millisecond, 50*time.Millisecond)))
	if err != nil {
		log.Fatal(err)
	}
	bulkhead, err := limit.NewBulkhead(10)
	if err != nil {
		log.Fatal(err)
	}
	pricing, err := holdfast.New(
		holdfast.WithTimeout(time.Second),
		holdfast.WithRetry(policy),
		holdfast.WithLimiter(bulkhead),
		holdfast.WithBreaker(b),
		holdfast.WithAttemptTimeout(200*time.Millisecond),
	)
	if err != nil {
		log.Fatal(err)
	}

	var calls atomic.Int32
	price := func(ctx context.Context, sku string) (int, error) {
		if calls.Add(1) == 2 { // one passing failure, absorbed by a retry
			return 0, errors.New("connection reset")
		}
		return len(sku) * 100, nil
	}

	skus := []string{"apple", "fig", "cherry"}
	prices, err := fanout.Map(context.Background(), skus, func(ctx context.Context, sku string) (int, error) {
		return holdfast.Run(ctx, pricing, func(ctx context.Context) (int, error) {
			return price(ctx, sku)
		})
	}, fanout.WithLimit(2))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prices)
	// Output: [500 300 600]
}
