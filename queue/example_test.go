package queue_test

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/holdfast-go/holdfast/queue"
)

// A producer and a consumer joined by a Queue: the producer blocks while
// the queue is full, and Close tells the consumer when to stop.
func ExampleQueue() {
	ctx := context.Background()
	q, err := queue.New[string](2)
	if err != nil {
		panic(err)
	}
	go func() {
		defer q.Close()
		for _, word := range []string{"hold", "fast", "to", "dreams"} {
			if err := q.Put(ctx, word); err != nil {
				return
			}
		}
	}()
	for {
		word, err := q.Get(ctx)
		if errors.Is(err, queue.ErrClosed) {
			break
		}
		fmt.Println(word)
	}
	// Output:
	// hold
	// fast
	// to
	// dreams
}

// Producers submit work to a pool and wait for all of it to be done, like
// asyncio's Queue.join.
func ExamplePool_Wait() {
	var sum atomic.Int64
	pool, err := queue.NewPool(func(ctx context.Context, n int) error {
		sum.Add(int64(n))
		return nil
	}, queue.WithWorkers(4), queue.WithCapacity(8))
	if err != nil {
		panic(err)
	}
	defer pool.Shutdown(context.Background())

	for n := 1; n <= 100; n++ {
		if err := pool.Submit(context.Background(), n); err != nil {
			panic(err)
		}
	}
	pool.Wait()
	fmt.Println("sum:", sum.Load())
	fmt.Println("handled:", pool.Stats().Handled)
	// Output:
	// sum: 5050
	// handled: 100
}

// A service that stops on SIGTERM: it stops taking work, gives the pool
// a deadline to finish, and keeps what could not be handled.
func ExamplePool_Shutdown() {
	// Here the test plays the part of the signal: cancelling parent does
	// what a SIGTERM would.
	parent, sigterm := context.WithCancel(context.Background())
	ctx, stop := signal.NotifyContext(parent, syscall.SIGTERM)
	defer stop()

	pool, err := queue.NewPool(func(ctx context.Context, job string) error {
		return nil // send the email, call the webhook...
	}, queue.WithWorkers(2))
	if err != nil {
		panic(err)
	}
	for _, job := range []string{"a", "b", "c"} {
		if err := pool.Submit(ctx, job); err != nil {
			fmt.Println("not accepted:", job, err)
		}
	}

	sigterm()
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	left, err := pool.Shutdown(shutdownCtx)
	fmt.Printf("left: %v, err: %v\n", left, err)
	fmt.Println("submit after shutdown:", pool.Submit(context.Background(), "d"))
	st := pool.Stats()
	fmt.Printf("accepted %d, handled %d\n", st.Accepted, st.Handled)
	// Output:
	// left: [], err: <nil>
	// submit after shutdown: queue: closed
	// accepted 3, handled 3
}

// What each overflow policy does when the single worker is busy and the
// queue (capacity 2) is full.
func ExampleWithOverflow() {
	for _, policy := range []queue.Overflow{queue.Block, queue.Reject, queue.DropOldest} {
		started, release := make(chan struct{}), make(chan struct{})
		var handled, dropped []int
		pool, err := queue.NewPool(func(ctx context.Context, n int) error {
			if n == 0 {
				close(started)
				<-release
			}
			handled = append(handled, n) // one worker: no data race
			return nil
		},
			queue.WithWorkers(1),
			queue.WithCapacity(2),
			queue.WithOverflow(policy),
			queue.WithOnDrop(func(n int) { dropped = append(dropped, n) }),
		)
		if err != nil {
			panic(err)
		}
		_ = pool.Submit(context.Background(), 0)
		<-started // the worker is busy with 0
		_ = pool.Submit(context.Background(), 1)
		_ = pool.Submit(context.Background(), 2) // the queue is full

		// Under Block, Submit would wait here; TrySubmit never waits.
		err = pool.TrySubmit(3)
		close(release)
		if _, serr := pool.Shutdown(context.Background()); serr != nil {
			panic(serr)
		}
		fmt.Printf("%-10s TrySubmit(3): %v; handled %v, dropped %v\n", policy, err, handled, dropped)
	}
	// Output:
	// Block      TrySubmit(3): queue: full; handled [0 1 2], dropped []
	// Reject     TrySubmit(3): queue: full; handled [0 1 2], dropped []
	// DropOldest TrySubmit(3): <nil>; handled [0 2 3], dropped [1]
}

// Failed items go to a dead-letter hook with their error; a panic in the
// handler is one more failure, and the worker keeps going.
func ExampleWithOnError() {
	var dead []string
	pool, err := queue.NewPool(func(ctx context.Context, n int) error {
		switch {
		case n == 3:
			panic("bad input")
		case n%2 == 0:
			return fmt.Errorf("even: %d", n)
		}
		return nil
	},
		queue.WithWorkers(1),
		queue.WithOnError(func(n int, err error) {
			var pe *queue.PanicError
			if errors.As(err, &pe) {
				err = fmt.Errorf("panic: %v", pe.Value) // pe.Stack has the stack
			}
			dead = append(dead, fmt.Sprintf("%d (%v)", n, err))
		}),
	)
	if err != nil {
		panic(err)
	}
	for n := range 5 {
		_ = pool.Submit(context.Background(), n)
	}
	if _, err := pool.Shutdown(context.Background()); err != nil {
		panic(err)
	}
	slices.Sort(dead)
	fmt.Println(dead)
	st := pool.Stats()
	fmt.Printf("handled %d, failed %d\n", st.Handled, st.Failed)
	// Output:
	// [0 (even: 0) 2 (even: 2) 3 (panic: bad input) 4 (even: 4)]
	// handled 1, failed 4
}
