package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/holdfast-go/holdfast/lifecycle"
)

// One ordered shutdown: the stages run in the order they were added, each
// within what is left of one deadline, and the report says what each did.
func ExampleShutdown() {
	sd, err := lifecycle.NewShutdown(lifecycle.WithTimeout(20 * time.Second))
	if err != nil {
		panic(err)
	}
	stage := func(name string, err error) func(context.Context) error {
		return func(context.Context) error {
			fmt.Println("stopping", name)
			return err
		}
	}
	_ = sd.Add("http", stage("http server", nil))
	_ = sd.Add("workers", stage("worker pool", nil), lifecycle.WithShare(0.5))
	_ = sd.Add("cache", stage("cache", errors.New("flush failed")))
	_ = sd.Add("redis", stage("redis client", nil))

	report, err := sd.Run(context.Background())
	for _, st := range report.Stages {
		fmt.Printf("%s: err=%v cut short=%v\n", st.Name, st.Err, st.CutShort)
	}
	fmt.Println(err)
	// A second call returns the first one's result; nothing runs again.
	_, again := sd.Run(context.Background())
	fmt.Println(again == nil)
	// Output:
	// stopping http server
	// stopping worker pool
	// stopping cache
	// stopping redis client
	// http: err=<nil> cut short=false
	// workers: err=<nil> cut short=false
	// cache: err=flush failed cut short=false
	// redis: err=<nil> cut short=false
	// lifecycle: stage "cache": flush failed
	// false
}

// A service's main: start the parts, then Wait until SIGINT or SIGTERM
// (here a cancelled ctx stands for the signal) and shut down in order.
func ExampleShutdown_Wait() {
	sd, err := lifecycle.NewShutdown()
	if err != nil {
		panic(err)
	}
	_ = sd.Add("http", func(context.Context) error { fmt.Println("http server stopped"); return nil })
	_ = sd.Add("redis", func(context.Context) error { fmt.Println("redis client closed"); return nil })

	ctx, signal := context.WithCancel(context.Background())
	signal()
	report, err := sd.Wait(ctx)
	fmt.Println(len(report.Stages), "stages, error:", err)
	// Output:
	// http server stopped
	// redis client closed
	// 2 stages, error: <nil>
}

// A periodic flush with a final run at shutdown, so that nothing gathered
// since the last tick is lost.
func ExampleTask() {
	var mu sync.Mutex
	pending := []string{"a", "b"}
	flushed := make(chan struct{}, 1)
	flush := func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		fmt.Println("flushed", len(pending), "events")
		pending = nil
		select {
		case flushed <- struct{}{}:
		default:
		}
		return nil
	}
	task, err := lifecycle.NewTask(time.Hour, flush, lifecycle.WithRunAtStart(), lifecycle.WithFinalRun())
	if err != nil {
		panic(err)
	}
	if err := task.Start(context.Background()); err != nil {
		panic(err)
	}
	<-flushed // the run at start

	mu.Lock()
	pending = append(pending, "c") // gathered before the next tick
	mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := task.Shutdown(ctx); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", task.Stats())
	// Output:
	// flushed 2 events
	// flushed 1 events
	// {Runs:2 Failed:0 Skipped:0 Delayed:0 NotHeld:0 Lost:0 LeaseFailed:0}
}

// localLease is a Lease within one process, standing for
// lifecycle/redis's Lease across replicas.
type localLease struct {
	mu      sync.Mutex
	refused chan struct{} // gets a value each time the lease is refused
}

func (l *localLease) Run(ctx context.Context, fn func(context.Context) error) error {
	if !l.mu.TryLock() {
		l.refused <- struct{}{}
		return lifecycle.ErrLeaseHeld
	}
	defer l.mu.Unlock()
	return fn(ctx)
}

// A task once per cluster: both replicas run the task with the same lease,
// and only the holder runs it.
func ExampleWithLease() {
	lease := &localLease{refused: make(chan struct{}, 1)}
	ran := make(chan string, 10)
	replica := func(name string) *lifecycle.Task {
		task, err := lifecycle.NewTask(time.Hour, func(context.Context) error {
			ran <- name
			return nil
		}, lifecycle.WithRunAtStart(), lifecycle.WithLease(lease))
		if err != nil {
			panic(err)
		}
		return task
	}
	a, b := replica("a"), replica("b")
	ctx := context.Background()
	_ = a.Start(ctx)
	fmt.Println("ran on", <-ran) // a holds the lease from now on
	_ = b.Start(ctx)
	<-lease.refused // b's first tick finds the lease held
	_ = a.Shutdown(ctx)
	_ = b.Shutdown(ctx)
	fmt.Println("b:", b.Stats().Runs, "runs,", b.Stats().NotHeld, "tick with the lease held elsewhere")
	// Output:
	// ran on a
	// b: 0 runs, 1 tick with the lease held elsewhere
}

// A consumer that fails twice is restarted with backoff; when it returns
// nil its work is done and it is not restarted.
func ExampleSupervisor() {
	sup, err := lifecycle.NewSupervisor(
		lifecycle.WithBackoff(time.Millisecond, 10*time.Millisecond),
		lifecycle.WithOnRestart(func(name string, err error, _ time.Duration) {
			fmt.Printf("restarting %s after: %v\n", name, err)
		}),
	)
	if err != nil {
		panic(err)
	}
	done := make(chan struct{})
	attempt := 0
	consume := func(ctx context.Context) error {
		attempt++
		switch attempt {
		case 1:
			return errors.New("connection reset")
		case 2:
			panic("nil map")
		}
		close(done)
		return nil
	}
	if err := sup.Go(context.Background(), "consumer", consume); err != nil {
		panic(err)
	}
	<-done
	if err := sup.Shutdown(context.Background()); err != nil {
		panic(err)
	}
	fmt.Println("attempts:", attempt, "restarts:", sup.Stats().Restarts)
	// Output:
	// restarting consumer after: connection reset
	// restarting consumer after: lifecycle: panic: nil map
	// attempts: 3 restarts: 2
}
