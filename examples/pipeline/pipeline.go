package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/holdfast-go/holdfast/queue"
)

// job is one unit of work.
type job struct {
	ID       int64
	Producer int
}

// summary is the outcome of a run: what the producers offered and where
// every accepted job ended.
type summary struct {
	Offered  int64 // Submit calls
	Accepted int64 // Submit returned nil
	Handled  int64
	Failed   int64 // reported to the dead-letter hook
	Returned int64 // handed back by Shutdown
	Stopped  string
}

// run parses args, runs the pipeline until ctx is done or the duration has
// passed, shuts it down and prints the counts. It returns an error for bad
// flags, and if the counts do not add up.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	s, err := pipeline(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	return report(stdout, cfg, s)
}

// pipeline runs the producers and the pool, then shuts the pool down.
func pipeline(ctx context.Context, cfg config, out io.Writer) (summary, error) {
	var deadLetters atomic.Int64
	pool, err := queue.NewPool(handler(cfg),
		queue.WithWorkers(cfg.workers),
		queue.WithCapacity(cfg.capacity),
		queue.WithRateLimit(rate.Limit(cfg.rate), 1),
		queue.WithOnError(func(job, error) { deadLetters.Add(1) }),
	)
	if err != nil {
		return summary{}, err
	}
	fmt.Fprintf(out, "pipeline: %d producers -> queue of %d -> %d workers at <= %g items/s, for %v (Ctrl-C stops early)\n",
		cfg.producers, cfg.capacity, cfg.workers, cfg.rate, cfg.duration)

	stopCtx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	var s summary
	produce(stopCtx, cfg.producers, pool, &s, out)
	s.Stopped = "the duration elapsed"
	if ctx.Err() != nil {
		s.Stopped = "a signal arrived"
	}

	// The grace period must not end with the signal that started it.
	graceCtx, cancelGrace := context.WithTimeout(context.WithoutCancel(ctx), cfg.grace)
	defer cancelGrace()
	returned, err := pool.Shutdown(graceCtx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return s, err
	}
	st := pool.Stats()
	s.Handled, s.Failed = int64(st.Handled), deadLetters.Load()
	s.Returned = int64(len(returned))
	return s, nil
}

// produce runs n producers that submit jobs until ctx is done, printing
// progress every second.
func produce(ctx context.Context, n int, pool *queue.Pool[job], s *summary, out io.Writer) {
	var ids, offered, accepted atomic.Int64
	var wg sync.WaitGroup
	for p := range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				j := job{ID: ids.Add(1), Producer: p}
				offered.Add(1)
				if pool.Submit(ctx, j) == nil { // Block: waits while the queue is full
					accepted.Add(1)
				}
			}
		})
	}
	progress(ctx, pool, out)
	wg.Wait()
	s.Offered, s.Accepted = offered.Load(), accepted.Load()
}

// progress prints the pool's counts every second until ctx is done.
func progress(ctx context.Context, pool *queue.Pool[job], out io.Writer) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			st := pool.Stats()
			fmt.Fprintf(out, "  accepted %6d  handled %6d  failed %4d  queued %4d  in flight %3d\n",
				st.Accepted, st.Handled, st.Failed, st.Queued, st.InFlight)
		}
	}
}

// handler returns the pool's handler: it takes cfg.work, honouring ctx,
// and fails every cfg.failEvery-th job.
func handler(cfg config) func(context.Context, job) error {
	return func(ctx context.Context, j job) error {
		t := time.NewTimer(cfg.work)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err() // Shutdown hands the job back
		case <-t.C:
		}
		if cfg.failEvery > 0 && j.ID%int64(cfg.failEvery) == 0 {
			return fmt.Errorf("job %d: simulated failure", j.ID)
		}
		return nil
	}
}

// report prints the summary and checks that every accepted job is accounted for.
func report(out io.Writer, cfg config, s summary) error {
	fmt.Fprintf(out, "stopped because %s; shutdown grace %v\n", s.Stopped, cfg.grace)
	fmt.Fprintf(out, "  offered   %6d  (Submit calls; those cut short by the stop were not accepted)\n", s.Offered)
	fmt.Fprintf(out, "  accepted  %6d\n", s.Accepted)
	fmt.Fprintf(out, "  handled   %6d\n", s.Handled)
	fmt.Fprintf(out, "  failed    %6d  (sent to the dead-letter hook)\n", s.Failed)
	fmt.Fprintf(out, "  returned  %6d  (handed back by Shutdown when the grace ran out)\n", s.Returned)
	sum := s.Handled + s.Failed + s.Returned
	if sum != s.Accepted {
		return fmt.Errorf("lost jobs: handled + failed + returned = %d, accepted = %d", sum, s.Accepted)
	}
	fmt.Fprintf(out, "handled + failed + returned = %d = accepted: nothing lost\n", sum)
	return nil
}
