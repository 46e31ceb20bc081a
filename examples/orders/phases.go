package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// phase is one stretch of the demo: the clients' rate, the provider's
// faults, and what happens at its start.
type phase struct {
	name   string
	burst  bool      // clients send five times the rate
	mode   faultMode // the provider's faults
	action func(ctx context.Context, s *system, out io.Writer, length time.Duration) error
}

// phases run in order, each for config.phaseLength.
var phases = []phase{
	{name: "steady", mode: healthy},
	{name: "burst", burst: true, mode: healthy},
	{name: "kill-worker", mode: slow, action: killWorker},
	{name: "restart-intake", mode: healthy, action: restartIntake},
	{name: "restart-redis", mode: clean, action: restartRedis},
	{name: "provider-down", mode: failing, action: providerDown},
	{name: "recovery", mode: slow, action: recoverProvider},
}

// killWorker kills a worker with SIGKILL while it holds orders: the first
// to report two charges in flight, or the busiest after half the phase.
// The provider is slow in this phase, so that charges are in flight.
func killWorker(ctx context.Context, s *system, out io.Writer, length time.Duration) error {
	deadline := time.Now().Add(length / 2)
	w := s.workers[0]
	for time.Now().Before(deadline) && ctx.Err() == nil {
		for _, c := range s.workers {
			if c.latest().InFlight > w.latest().InFlight {
				w = c
			}
		}
		if w.latest().InFlight >= 2 {
			break
		}
		sleep(ctx, 5*time.Millisecond)
	}
	running := w.latest().InFlight
	w.kill()
	held, err := s.heldBy(ctx, w.latest().Consumer)
	if err != nil {
		return fmt.Errorf("reading the killed worker's entries: %w", err)
	}
	s.mu.Lock()
	s.killedHeld = held
	s.mu.Unlock()
	fmt.Fprintf(out, "  >> SIGKILL worker %s (pid %d) running %d charges at its last report; it leaves %d entries unacknowledged, for the others to reclaim after %v\n",
		w.name, w.cmd.Process.Pid, running, held, s.cfg.visibility)
	return nil
}

// restartIntake makes the intake crash between an enqueue and the
// recording of its answer, then starts a new one.
func restartIntake(ctx context.Context, s *system, out io.Writer, length time.Duration) error {
	down := min(length/4, 500*time.Millisecond)
	id, err := s.restartIntake(ctx, length/4, down)
	if id == "" {
		fmt.Fprintf(out, "  >> SIGKILL the intake (no order came to crash on); a new one starts on %s after %v\n", s.intakeAt, down.Round(time.Millisecond))
	} else {
		fmt.Fprintf(out, "  >> the intake crashed after enqueueing %s, before recording its answer; a new one starts on %s after %v\n",
			id, s.intakeAt, down.Round(time.Millisecond))
	}
	return err
}

// restartRedis kills redis-server with SIGKILL and starts it again from
// its append-only file, well within the visibility timeout.
func restartRedis(ctx context.Context, s *system, out io.Writer, length time.Duration) error {
	if s.redis == nil {
		fmt.Fprintln(out, "  >> Redis is external (-redis): not killed")
		return nil
	}
	down := min(length/4, s.cfg.visibility/4, time.Second)
	fmt.Fprintf(out, "  >> SIGKILL redis-server; restarted from its append-only file after %v\n", down.Round(time.Millisecond))
	s.redis.kill()
	sleep(ctx, down)
	return s.redis.restart()
}

// recoverProvider lets the provider be slow for the first half of the
// phase, then healthy.
func recoverProvider(ctx context.Context, s *system, out io.Writer, length time.Duration) error {
	fmt.Fprintln(out, "  >> the provider is back, slow for a while")
	sleep(ctx, length/2)
	s.provider.setMode(clean)
	return nil
}

// providerDown says that the provider refuses every charge this phase.
func providerDown(_ context.Context, _ *system, out io.Writer, _ time.Duration) error {
	fmt.Fprintln(out, "  >> the provider answers 503 to every charge")
	return nil
}
