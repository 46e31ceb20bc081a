// Command gateway is holdfast's main demo: an HTTP gateway that fans out to
// three upstream services and stays standing while one of them fails and
// another slows down.
//
//	go run ./examples/gateway                    # about 20s of load, then a report
//	go run ./examples/gateway -duration 8s
//	go run ./examples/gateway -redis localhost:6379
//	go run ./examples/gateway -serve             # gateway and upstreams only, for wrk
//
// Everything runs on loopback in one process. The gateway's handler reads
// one item from each upstream at once (fanout), under the budget the client
// sent (deadline), through a two-tier cache (cache: an in-memory Store, or
// Redis with -redis or REDIS_ADDR), each upstream behind its own circuit
// breaker (breaker) with jittered retries drawn from a shared budget (retry),
// and queues an audit event per request on a worker pool (queue). The load
// runs in five phases: healthy, a burst of clients (shed by the gateway's
// limiter), one upstream failing, one upstream slow, and recovery; the
// report at the end says what each pattern did.
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second signal kills the program at once
	// go-redis logs failed dials on its own; the gateway reports a Redis that
	// does not answer in its own words, and the cache counts later errors.
	goredis.SetLogger(quietLogger{})
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// quietLogger discards go-redis's log lines.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
