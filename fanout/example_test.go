package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
)

func ExampleMap() {
	ctx := context.Background()
	names := []string{"ada", "grace", "barbara"}
	upper, err := fanout.Map(ctx, names, func(ctx context.Context, name string) (string, error) {
		return strings.ToUpper(name), nil // a call to another service, say
	}, fanout.WithLimit(2))
	fmt.Println(upper, err)
	// Output: [ADA GRACE BARBARA] <nil>
}

func ExampleMap_failFast() {
	ctx := context.Background()
	errNotFound := errors.New("not found")
	_, err := fanout.Map(ctx, []int{1, 2, 3, 4}, func(ctx context.Context, id int) (string, error) {
		if id == 3 {
			return "", fmt.Errorf("user %d: %w", id, errNotFound)
		}
		<-ctx.Done() // the others wait until the failure cancels them
		return "", ctx.Err()
	}, fanout.WithLimit(4))
	// The error is the failure, not the others' context.Canceled.
	fmt.Println(err, errors.Is(err, context.Canceled))
	// Output: user 3: not found false
}

func ExampleForEach() {
	var total atomic.Int64
	err := fanout.ForEach(context.Background(), []int64{1, 2, 3, 4}, func(ctx context.Context, n int64) error {
		total.Add(n)
		return nil
	})
	fmt.Println(total.Load(), err)
	// Output: 10 <nil>
}

func ExampleMapAll() {
	ctx := context.Background()
	results, err := fanout.MapAll(ctx, []int{1, 2, 3}, func(ctx context.Context, x int) (int, error) {
		if x == 2 {
			return 0, errors.New("widget 2 is down")
		}
		return x * 10, nil
	})
	for _, r := range results {
		fmt.Println(r.Value, r.Err)
	}
	fmt.Println("joined:", err)
	// Output:
	// 10 <nil>
	// 0 widget 2 is down
	// 30 <nil>
	// joined: widget 2 is down
}

func ExampleNew() {
	g, ctx, err := fanout.New(context.Background(), fanout.WithLimit(4))
	if err != nil {
		panic(err)
	}
	var profile, orders atomic.Value
	g.Go(func(ctx context.Context) error {
		profile.Store("ada")
		return nil
	})
	g.Go(func(ctx context.Context) error {
		orders.Store(3)
		return nil
	})
	if err := g.Wait(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(profile.Load(), orders.Load(), ctx.Err())
	// Output: ada 3 context canceled
}

func ExampleGroup_TryGo() {
	g, _, _ := fanout.New(context.Background(), fanout.WithLimit(1))
	release := make(chan struct{})
	fmt.Println(g.TryGo(func(context.Context) error {
		<-release
		return nil
	}))
	fmt.Println(g.TryGo(func(context.Context) error { return nil })) // at the limit
	close(release)
	fmt.Println(g.Wait())
	// Output:
	// true
	// false
	// <nil>
}

func ExampleStream() {
	ctx := context.Background()
	ids := slices.Values([]int{1, 2, 3, 4, 5, 6})
	for v, err := range fanout.Stream(ctx, ids, func(ctx context.Context, id int) (string, error) {
		return fmt.Sprintf("item-%d", id), nil
	}, fanout.WithLimit(3)) {
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(v)
		if v == "item-4" {
			break // cancels and joins what is in flight
		}
	}
	// Output:
	// item-1
	// item-2
	// item-3
	// item-4
}

func ExampleWithOrdered() {
	ctx := context.Background()
	var got []int
	for v := range fanout.Stream(ctx, slices.Values([]int{3, 1, 2}), func(ctx context.Context, x int) (int, error) {
		return x * x, nil
	}, fanout.WithOrdered(false)) {
		got = append(got, v) // in the order they complete
	}
	slices.Sort(got)
	fmt.Println(got)
	// Output: [1 4 9]
}

func ExampleHedge() {
	var calls atomic.Int64
	v, err := fanout.Hedge(context.Background(), func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			return "", errors.New("replica 1 is down") // the backup starts at once
		}
		return "from replica 2", nil
	}, 50*time.Millisecond)
	fmt.Println(v, err, calls.Load())
	// Output: from replica 2 <nil> 2
}

func ExamplePanicError() {
	_, err := fanout.Map(context.Background(), []int{1, 0}, func(ctx context.Context, x int) (int, error) {
		return 10 / x, nil
	})
	var pe *fanout.PanicError
	if errors.As(err, &pe) {
		fmt.Println("recovered:", pe.Value)
	}
	// Output: recovered: runtime error: integer divide by zero
}
