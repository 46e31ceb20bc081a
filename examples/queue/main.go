// Command queue runs a worker pool over a bounded queue: submissions block
// when it is full, failed items go to a dead-letter hook, and the final
// counts show that every accepted item was accounted for.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/holdfast-go/holdfast/queue"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "queue:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments, got %q", args)
	}
	var total atomic.Int64
	var deadLetters atomic.Int64
	pool, err := queue.NewPool(func(ctx context.Context, order int) error {
		if order%4 == 0 {
			return fmt.Errorf("order %d: card declined", order)
		}
		total.Add(int64(order))
		return nil
	}, queue.WithWorkers(3), queue.WithCapacity(4),
		queue.WithOnError(func(order int, err error) { deadLetters.Add(1) }))
	if err != nil {
		return err
	}
	for order := 1; order <= 20; order++ {
		if err := pool.Submit(ctx, order); err != nil { // blocks while 4 are queued
			return err
		}
	}
	pool.Wait() // like a join: every order submitted so far has been handled or failed
	left, err := pool.Shutdown(ctx)
	if err != nil {
		return err
	}
	st := pool.Stats()
	fmt.Fprintf(out, "accepted %d: handled %d (sum of orders %d), dead letters %d, returned %d\n",
		st.Accepted, st.Handled, total.Load(), deadLetters.Load(), len(left))
	return nil
}
