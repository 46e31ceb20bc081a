package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/lifecycle"
	goredis "github.com/redis/go-redis/v9"
)

// childGrace bounds a child process's shutdown.
const childGrace = 5 * time.Second

// crashCommand, a line on the intake's stdin, makes it exit right after
// its next enqueue, before the idempotency layer records the answer: the
// crash that the order ID's unique key is there for.
const crashCommand = "crash-after-enqueue"

// crashArmed is set by crashCommand.
var crashArmed atomic.Bool

// child runs the intake or a worker, as the main process re-executed this
// program to do. It stops on SIGTERM or SIGINT, or when its stdin closes:
// the main process is gone.
func child(mode string, args []string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if sc.Text() == crashCommand {
				crashArmed.Store(true)
			}
		}
		cancel()
	}()
	if mode == intakeMode {
		return runIntake(ctx, args)
	}
	return runWorker(ctx, args)
}

// stage is one step of a child's shutdown.
type stage struct {
	name string
	fn   func(context.Context) error
}

// serveUntilDone waits for a signal or for ctx, then runs the stages in
// order through lifecycle.Shutdown.
func serveUntilDone(ctx context.Context, stages ...stage) error {
	sd, err := lifecycle.NewShutdown(lifecycle.WithTimeout(childGrace))
	if err != nil {
		return err
	}
	for _, s := range stages {
		if err := sd.Add(s.name, s.fn); err != nil {
			return err
		}
	}
	_, err = sd.Wait(ctx)
	return err
}

// serverStage shuts an HTTP server down gracefully.
func serverStage(srv *http.Server) func(context.Context) error { return lifecycle.HTTPServer(srv) }

// closeStage closes a Redis client.
func closeStage(c io.Closer) func(context.Context) error { return lifecycle.Closer(c) }

// newRedisClient returns a client for addr whose calls honour their ctx's
// deadline (queue/redis requires it) and that fails fast while Redis is
// down.
func newRedisClient(addr string) *goredis.Client {
	return goredis.NewClient(&goredis.Options{
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           500 * time.Millisecond,
		ReadTimeout:           2 * time.Second,
		WriteTimeout:          time.Second,
		PoolSize:              32,
		MaxRetries:            1,
	})
}

// errorf prints a child's warning on its stderr, which the main process
// passes through.
func errorf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
