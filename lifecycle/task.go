package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Task runs a function periodically on a goroutine of its own, never twice
// at once, until [Task.Shutdown]: flush metrics every second, sweep expired
// rows every minute, refresh a cache every hour.
//
// Each run gets a ctx derived from the one given to [Task.Start], cancelled
// when that ctx is done or when Shutdown is called (with the cause
// [ErrShutdownStarted]). A run's error or panic is reported to
// [WithOnError] and counted, and the schedule goes on. Build a Task with
// [NewTask]; its methods are safe for concurrent use.
type Task struct {
	fn  func(context.Context) error
	cfg taskConfig

	mu       sync.Mutex
	started  bool
	shutting bool
	cancel   context.CancelCauseFunc
	loopDone chan struct{} // closed when the loop goroutine returns
	shutDone chan struct{} // closed when the first Shutdown returns
	shutErr  error

	runs, failed, skipped, delayed, notHeld, lost, leaseFailed atomic.Uint64
}

// TaskStats counts what a [Task] did; see [Task.Stats].
type TaskStats struct {
	Runs    uint64 // runs started, the final run included
	Failed  uint64 // runs that returned an error or panicked
	Skipped uint64 // runs dropped by the Skip policy while a run was late
	Delayed uint64 // runs started late by the Delay policy
	NotHeld uint64 // ticks at which another replica held the lease
	Lost    uint64 // times the lease was lost while held
	// LeaseFailed counts the ticks at which the lease itself failed (its
	// store unreachable, say); each such error also goes to WithOnError.
	LeaseFailed uint64
}

// NewTask returns a Task that calls fn every interval once started. The
// interval must be > 0 and fn not nil; options are applied in order.
func NewTask(interval time.Duration, fn func(ctx context.Context) error, opts ...TaskOption) (*Task, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("lifecycle: NewTask: interval must be > 0, got %v", interval)
	}
	if fn == nil {
		return nil, errors.New("lifecycle: NewTask: nil function")
	}
	cfg := taskConfig{interval: interval, overlap: Skip}
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applyTask(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.final && cfg.lease != nil {
		return nil, errors.New("lifecycle: NewTask: WithFinalRun and WithLease cannot be combined: a final run would run on every replica")
	}
	return &Task{fn: fn, cfg: cfg, shutDone: make(chan struct{})}, nil
}

// Start starts the schedule on a goroutine of its own and returns. The
// first run is one interval later, or at once with [WithRunAtStart]. Start
// returns [ErrStarted] if the task was started before, and
// [ErrShutdownStarted] once Shutdown has been called.
func (t *Task) Start(ctx context.Context) error {
	if ctx == nil {
		return nilContext("Task.Start")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.shutting:
		return ErrShutdownStarted
	case t.started:
		return ErrStarted
	}
	t.started = true
	ctx, t.cancel = context.WithCancelCause(ctx)
	t.loopDone = make(chan struct{})
	first := time.Now()
	if !t.cfg.atStart {
		first = first.Add(t.period())
	}
	go func() {
		defer close(t.loopDone)
		if t.cfg.lease != nil {
			t.leased(ctx, first)
		} else {
			t.loop(ctx, first)
		}
	}()
	return nil
}

// Shutdown stops the schedule, cancels the run in progress and waits for
// it to return; then, with [WithFinalRun], it runs the function once more
// with ctx, waits for it, and returns that run's error. If ctx ends before
// the run in progress returns, Shutdown returns ctx's error without a
// final run (the task's goroutine ends when the run does); a final run is
// waited for even past ctx's deadline, which reaches it through its ctx. A second Shutdown waits for
// the first and returns its result, or its own ctx's error if that ends
// first. Shutdown may be passed to [Shutdown.Add] as a stage.
func (t *Task) Shutdown(ctx context.Context) error {
	if ctx == nil {
		return nilContext("Task.Shutdown")
	}
	t.mu.Lock()
	if t.shutting {
		t.mu.Unlock()
		select {
		case <-t.shutDone:
			return t.shutErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	t.shutting = true
	cancel, loopDone := t.cancel, t.loopDone
	t.mu.Unlock()
	t.shutErr = t.stop(ctx, cancel, loopDone)
	close(t.shutDone)
	return t.shutErr
}

// stop cancels the loop, waits for it, and makes the final run.
func (t *Task) stop(ctx context.Context, cancel context.CancelCauseFunc, loopDone chan struct{}) error {
	if cancel != nil {
		cancel(ErrShutdownStarted)
		select {
		case <-loopDone:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if !t.cfg.final {
		return nil
	}
	return t.run(ctx)
}

// Stats returns what the task has done so far.
func (t *Task) Stats() TaskStats {
	return TaskStats{
		Runs: t.runs.Load(), Failed: t.failed.Load(),
		Skipped: t.skipped.Load(), Delayed: t.delayed.Load(),
		NotHeld: t.notHeld.Load(), Lost: t.lost.Load(), LeaseFailed: t.leaseFailed.Load(),
	}
}

// loop runs the schedule from first until ctx is done.
func (t *Task) loop(ctx context.Context, first time.Time) {
	due := first
	for wait(ctx, due) {
		t.run(ctx) //nolint:errcheck // reported by run
		if ctx.Err() != nil {
			return
		}
		at, skipped, delayed := next(due, time.Now(), t.period(), t.cfg.overlap)
		t.skipped.Add(skipped)
		if delayed {
			t.delayed.Add(1)
		}
		due = at
	}
}

// leased tries the lease at each tick from first and runs the schedule
// while it holds it, until ctx is done.
func (t *Task) leased(ctx context.Context, first time.Time) {
	due := first
	for wait(ctx, due) {
		err := t.cfg.lease.Run(ctx, func(ctx context.Context) error {
			t.loop(ctx, time.Now())
			return nil
		})
		switch {
		case errors.Is(err, ErrLeaseHeld):
			t.notHeld.Add(1)
		case errors.Is(err, ErrLeaseLost):
			t.lost.Add(1)
		case err != nil && ctx.Err() == nil:
			t.leaseFailed.Add(1) // the lease's own failure, such as Redis down
			if t.cfg.onError != nil {
				t.cfg.onError(err)
			}
		}
		if ctx.Err() != nil {
			return
		}
		due = time.Now().Add(t.period())
	}
}

// run makes one run, counts it and reports its error.
func (t *Task) run(ctx context.Context) error {
	t.runs.Add(1)
	err := call(ctx, t.fn)
	if err != nil {
		t.failed.Add(1)
		if t.cfg.onError != nil {
			t.cfg.onError(err)
		}
	}
	return err
}

// period draws the wait before the next run.
func (t *Task) period() time.Duration {
	return period(t.cfg.interval, t.cfg.jitter, rand.Float64())
}

// wait waits until at, and reports whether ctx is still live.
func wait(ctx context.Context, at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
