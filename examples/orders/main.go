// Command orders is holdfast's scale-out demo: orders taken by an HTTP
// intake, queued durably in Redis, and charged at a payment provider by
// three worker processes, while a worker, the intake and Redis itself are
// killed, and the provider fails for a while. Every order is charged exactly
// once, and the report at the end proves it from the provider's raw log.
//
//	go run ./examples/orders                     # about 25s, then a report
//	go run ./examples/orders -phase 2s -rate 40
//	go run ./examples/orders -redis localhost:6379
//
// The program starts a redis-server (from PATH, on a free loopback port, in
// a temporary directory, with the append-only file on and appendfsync
// always) unless -redis or REDIS_ADDR names one. It re-executes itself for
// the intake and the three workers, so those are real processes that can be
// killed with SIGKILL; the clients and the payment provider run in the main
// process. Nothing but loopback is contacted.
//
// The intake (POST /orders) sheds load through limit, dedupes client retries
// through the idempotency middleware on Redis, derives the order ID from the
// client's Idempotency-Key and enqueues the order on a queue/redis stream
// with that ID as its unique key. The workers consume the stream and charge
// each order through retry.Transport, breaker.Transport and
// deadline.Transport, with the order ID as the Idempotency-Key, under a
// rate limit shared through limit/redis. The provider puts the idempotency
// middleware in front of its charge handler, which writes one line per
// execution to a raw log.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	goredis "github.com/redis/go-redis/v9"
)

func main() {
	// go-redis logs failed dials on its own; Redis is killed on purpose
	// here, and the demo counts what that costs in its own words.
	goredis.SetLogger(quietLogger{})
	args := os.Args[1:]
	if len(args) > 0 && (args[0] == intakeMode || args[0] == workerMode) {
		if err := child(args[0], args[1:]); err != nil {
			fmt.Fprintf(os.Stderr, "orders %s: %v\n", args[0], err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second signal kills the program at once
	err := run(ctx, args, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "orders:", err)
		os.Exit(1)
	}
}

// quietLogger discards go-redis's log lines.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
