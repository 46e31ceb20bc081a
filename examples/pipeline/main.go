// Command pipeline shows producers feeding a bounded worker pool with a rate
// limit, and a graceful shutdown on SIGINT or SIGTERM that finishes or hands
// back every item it accepted.
//
//	go run ./examples/pipeline
//	go run ./examples/pipeline -duration 10s -rate 100 -grace 200ms
//
// Press Ctrl-C to stop early: the producers stop, the pool finishes what it
// can within -grace, and the counts printed at the end add up.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one kills the program at once.
	context.AfterFunc(ctx, stop)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}
