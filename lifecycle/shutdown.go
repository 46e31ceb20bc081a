package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Shutdown is a service's one shutdown sequence: stages registered in
// order with [Shutdown.Add] (stop the HTTP server, then the worker pools
// and consumers, then the caches, then the Redis client) and run in that
// order by [Shutdown.Run], all within one deadline. Run starts on a call,
// or on SIGINT or SIGTERM through [Shutdown.Wait] or
// [Shutdown.NotifyContext].
//
// Each stage gets a ctx whose deadline is the shutdown's, or a share of
// the budget with [WithShare]. Every stage runs, even after the deadline
// has passed (it then gets a ctx that is already done), so that a stage
// that only closes something (a client, a file) still closes it. Stages run
// one at a time, each on a goroutine of its own that Run waits for: a panic
// becomes the stage's *[PanicError] and the next stage still runs; a stage
// that ignores its ctx delays the ones after it, since abandoning it would
// let it run on into the resources they close. Build a Shutdown with
// [NewShutdown]; its methods are safe for concurrent use.
type Shutdown struct {
	cfg shutdownConfig

	listening func() // tests: called once NotifyContext catches the signals

	mu     sync.Mutex
	stages []stage
	begun  chan struct{} // closed when the first Run starts
	done   chan struct{} // closed when the first Run returns
	report Report
}

// stage is one registered stage.
type stage struct {
	name  string
	fn    func(context.Context) error
	share float64
}

// NewShutdown returns a Shutdown with no stage yet; options are applied in
// order.
func NewShutdown(opts ...ShutdownOption) (*Shutdown, error) {
	cfg := defaultShutdownConfig()
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applyShutdown(&cfg); err != nil {
			return nil, err
		}
	}
	return &Shutdown{cfg: cfg, begun: make(chan struct{}), done: make(chan struct{})}, nil
}

// Add registers fn as the next stage, under name (used in the [Report]).
// [HTTPServer], [Shutdowner] and [Closer] make stages of the usual things.
// Add returns an error for an empty name, a nil fn or a bad option, and
// one wrapping [ErrShutdownStarted] once Run has been called: a stage
// added then would never run.
func (s *Shutdown) Add(name string, fn func(ctx context.Context) error, opts ...StageOption) error {
	if name == "" {
		return errors.New("lifecycle: Shutdown.Add: empty stage name")
	}
	if fn == nil {
		return fmt.Errorf("lifecycle: Shutdown.Add: nil function for stage %q", name)
	}
	var cfg stageConfig
	for _, o := range opts {
		if o == nil {
			return errNilOption
		}
		if err := o.applyStage(&cfg); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started() {
		return fmt.Errorf("%w: stage %q was not added", ErrShutdownStarted, name)
	}
	s.stages = append(s.stages, stage{name: name, fn: fn, share: cfg.share})
	return nil
}

// Begun returns a channel that is closed when Run is first called.
func (s *Shutdown) Begun() <-chan struct{} { return s.begun }

// Run runs the stages in the order they were added, within the deadline
// of [WithTimeout] from now, or ctx's deadline if sooner, and returns the
// report and the stages' errors joined (each a *[StageError]); the error
// is nil when every stage returned nil. A second Run, from anywhere, waits
// for the first and returns its result, or its own ctx's error if that
// ends first. Run returns an error at once for a nil ctx.
func (s *Shutdown) Run(ctx context.Context) (Report, error) {
	if ctx == nil {
		return Report{}, nilContext("Shutdown.Run")
	}
	s.mu.Lock()
	first := !s.started()
	if first {
		close(s.begun)
	}
	stages := s.stages
	s.mu.Unlock()
	if !first {
		select {
		case <-s.done:
			return s.report, s.report.Err()
		case <-ctx.Done():
			return Report{}, ctx.Err()
		}
	}
	s.report = s.run(ctx, stages)
	close(s.done)
	return s.report, s.report.Err()
}

// started reports whether Run has been called; s.mu must be held.
func (s *Shutdown) started() bool {
	select {
	case <-s.begun:
		return true
	default:
		return false
	}
}

// run runs stages within the overall deadline.
func (s *Shutdown) run(ctx context.Context, stages []stage) Report {
	start := time.Now()
	deadline := start.Add(s.cfg.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	total := deadline.Sub(start)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	r := Report{Deadline: deadline, Stages: make([]StageReport, 0, len(stages))}
	for _, st := range stages {
		budget := time.Until(deadline)
		if st.share > 0 {
			budget = min(budget, time.Duration(st.share*float64(total)))
		}
		r.Stages = append(r.Stages, runStage(ctx, st, budget))
	}
	r.Elapsed = time.Since(start)
	return r
}

// runStage runs one stage with budget.
func runStage(ctx context.Context, st stage, budget time.Duration) StageReport {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	start := time.Now()
	err := call(ctx, st.fn)
	return StageReport{
		Name: st.name, Budget: max(budget, 0), Duration: time.Since(start),
		Err: err, CutShort: ctx.Err() != nil,
	}
}
