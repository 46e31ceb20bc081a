package cache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/holdfast-go/holdfast/cache"
)

// loadPrinter is a cache.Observer that prints each load's outcome (a real
// one would record elapsed in a histogram, as holdfastotel's does).
type loadPrinter struct{}

func (loadPrinter) Loading(ctx context.Context) context.Context { return ctx }

func (loadPrinter) Loaded(_ context.Context, _ time.Duration, err error) {
	fmt.Println("load done, error:", err)
}

// An Observer sees each load, not the hits.
func ExampleWithObserver() {
	ctx := context.Background()
	users, err := cache.New[string](cache.WithObserver(loadPrinter{}))
	if err != nil {
		panic(err)
	}
	defer users.Close()
	load := func(context.Context) (string, error) { return "Ada", nil }
	v, _ := users.GetOrLoad(ctx, "u1", load) // a miss: one load
	v, _ = users.GetOrLoad(ctx, "u1", load)  // a hit
	fmt.Println(v)
	// Output:
	// load done, error: <nil>
	// Ada
}
