package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// run parses args, runs the demo, prints the report and returns an error
// when the report does not add up.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	out := &lockedWriter{w: stdout}
	r, err := demo(ctx, cfg, out)
	if err != nil {
		return err
	}
	r.print(out)
	return r.check()
}

// demo starts the system, drives the phases and the drain, shuts
// everything down and gathers the result.
func demo(ctx context.Context, cfg config, out io.Writer) (result, error) {
	s, err := start(ctx, cfg)
	if err != nil {
		return result{}, err
	}
	where := "redis-server " + s.addr + " (AOF, appendfsync always)"
	if s.redis == nil {
		where = "Redis at " + s.addr
	}
	fmt.Fprintf(out, "intake %s, %d worker processes, provider %s, %s\n", s.intakeAt, cfg.workers, s.provider.url, where)
	fmt.Fprintf(out, "%d orders/s (x5 in the burst), %v a phase; the intake takes %d orders/s, the provider %d charges/s, the workers share %d/s\n",
		cfg.rate, cfg.phaseLength(), cfg.intakeCapacity(), cfg.chargeRate(), cfg.sharedRate())
	begin := time.Now()
	driveErr := drive(ctx, s, out, begin)
	shutErr := s.shutdown(ctx, out)
	r, err := gather(s, begin)
	return r, errors.Join(driveErr, shutErr, err, os.RemoveAll(s.dir))
}

// drive runs the phases with the clients sending, then the drain: the
// clients finish their orders, and the workers the queue.
func drive(ctx context.Context, s *system, out io.Writer, begin time.Time) error {
	stopClients, cancel := context.WithTimeout(ctx, s.cfg.duration+s.cfg.drain)
	defer cancel()
	live := newLive(s, out, begin)
	defer live.stop()
	var err error
	for _, p := range phases {
		if err = runPhase(ctx, stopClients, s, out, p, live); err != nil {
			break
		}
	}
	live.set("drain")
	s.provider.setMode(clean)
	s.clients.wait()
	if err == nil {
		err = waitSettled(stopClients, s)
	}
	return err
}

// runPhase runs one phase: the clients send at its rate while its action
// runs, until its time is up.
func runPhase(ctx, stopClients context.Context, s *system, out io.Writer, p phase, live *live) error {
	length := s.cfg.phaseLength()
	live.set(p.name)
	s.provider.setMode(p.mode)
	sending, cancel := context.WithTimeout(ctx, length)
	defer cancel()
	rate := s.cfg.rate
	if p.burst {
		rate *= 5
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.clients.send(sending, stopClients, rate) })
	var err error
	if p.action != nil {
		err = p.action(sending, s, out, length)
	}
	wg.Wait()
	if err != nil {
		return fmt.Errorf("phase %s: %w", p.name, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted in phase %s (everything was shut down): %w", p.name, context.Cause(ctx))
	}
	return nil
}

// waitSettled waits until every accepted order is charged or
// dead-lettered, or ctx ends (the drain's limit: the report then shows
// what is pending).
func waitSettled(ctx context.Context, s *system) error {
	for ctx.Err() == nil {
		pending, lag, delayed := s.queueDepth(ctx)
		if pending == 0 && lag == 0 && delayed == 0 {
			return nil
		}
		sleep(ctx, 100*time.Millisecond)
	}
	return nil
}

// lockedWriter serializes writes from the live line and the phases.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
