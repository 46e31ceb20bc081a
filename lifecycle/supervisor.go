package lifecycle

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Supervisor runs long-lived functions (a queue consumer, a subscription,
// a listener) on goroutines of their own and restarts each one, after a
// jittered exponential backoff, when it returns an error or panics. A
// function that has run for [WithHealthyAfter] counts as healthy again: its
// next failure restarts it after the shortest delay. One that fails more
// than [WithRestartLimit] times in a row is not restarted, and the
// supervisor fails: [Supervisor.Done] is closed and [Supervisor.Err]
// returns a *[RestartLimitError]. The supervisor does not stop its other
// functions then; its owner decides, typically by starting the shutdown.
//
// A function that returns nil has finished its work and is not restarted;
// neither is one whose ctx was cancelled. [Supervisor.Shutdown] cancels
// every function's ctx and waits for all of them, unless its own ctx ends
// first: then it returns, and a function that ignores its ctx runs on. No
// goroutine outlives a Shutdown that returned nil. Build a Supervisor with
// [NewSupervisor]; its methods are safe for concurrent use.
type Supervisor struct {
	cfg  supervisorConfig
	stop context.Context // cancelled at Shutdown
	halt context.CancelCauseFunc

	mu       sync.Mutex
	active   int           // goroutines started by Go and not yet returned
	shutting bool          // Shutdown was called
	idle     chan struct{} // closed once shutting and active == 0
	shutDone chan struct{} // closed when the first Shutdown returns
	shutErr  error

	failOnce sync.Once
	done     chan struct{} // closed when the supervisor fails
	err      error         // set before done is closed

	running  atomic.Int64
	restarts atomic.Uint64
}

// SupervisorStats counts what a [Supervisor] did; see [Supervisor.Stats].
type SupervisorStats struct {
	Running  int64  // functions running or waiting to restart
	Restarts uint64 // restarts so far, of all functions
}

// NewSupervisor returns a Supervisor with no function yet; options are
// applied in order.
func NewSupervisor(opts ...SupervisorOption) (*Supervisor, error) {
	cfg := defaultSupervisorConfig()
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applySupervisor(&cfg); err != nil {
			return nil, err
		}
	}
	stop, halt := context.WithCancelCause(context.Background())
	return &Supervisor{
		cfg: cfg, stop: stop, halt: halt,
		idle: make(chan struct{}), shutDone: make(chan struct{}), done: make(chan struct{}),
	}, nil
}

// Go starts fn on a goroutine of its own, supervised under name (used in
// errors and hooks). fn's ctx is derived from ctx and is also cancelled by
// Shutdown, with the cause [ErrShutdownStarted]. Go returns an error for a
// nil ctx or fn, and [ErrShutdownStarted] once Shutdown has been called.
func (s *Supervisor) Go(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	if ctx == nil {
		return nilContext("Supervisor.Go")
	}
	if fn == nil {
		return errors.New("lifecycle: Supervisor.Go: nil function for " + quote(name))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting {
		return ErrShutdownStarted
	}
	s.active++
	s.running.Add(1)
	ctx, cancel := context.WithCancelCause(ctx)
	unhook := context.AfterFunc(s.stop, func() { cancel(context.Cause(s.stop)) })
	go func() {
		defer s.exit()
		defer cancel(nil)
		defer unhook()
		s.supervise(ctx, name, fn)
	}()
	return nil
}

// Done returns a channel that is closed when a function has failed more
// often in a row than [WithRestartLimit] allows.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Err returns nil until Done is closed, then the *[RestartLimitError] of
// the first function that reached its limit.
func (s *Supervisor) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Shutdown cancels every function's ctx, stops the restarts and waits for
// every goroutine started by Go to return, or for ctx to end, whichever
// comes first; then it returns ctx's error. A second Shutdown waits for
// the first and returns its result, or its own ctx's error if that ends
// first. Shutdown may be passed to [Shutdown.Add] as a stage.
func (s *Supervisor) Shutdown(ctx context.Context) error {
	if ctx == nil {
		return nilContext("Supervisor.Shutdown")
	}
	s.mu.Lock()
	first := !s.shutting
	if first {
		s.shutting = true
		if s.active == 0 {
			close(s.idle)
		}
	}
	s.mu.Unlock()
	if !first {
		select {
		case <-s.shutDone:
			return s.shutErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.halt(ErrShutdownStarted)
	select {
	case <-s.idle:
	case <-ctx.Done():
		s.shutErr = ctx.Err()
	}
	close(s.shutDone)
	return s.shutErr
}

// Stats returns what the supervisor has done so far.
func (s *Supervisor) Stats() SupervisorStats {
	return SupervisorStats{Running: s.running.Load(), Restarts: s.restarts.Load()}
}

// supervise runs fn until it returns nil, its ctx ends, or it fails past
// the restart limit.
func (s *Supervisor) supervise(ctx context.Context, name string, fn func(context.Context) error) {
	restarts := 0 // in a row
	for {
		start := time.Now()
		err := call(ctx, fn)
		if err == nil || ctx.Err() != nil {
			return
		}
		if time.Since(start) >= s.cfg.healthy {
			restarts = 0
		}
		if s.cfg.limit != Unlimited && restarts >= s.cfg.limit {
			s.fail(&RestartLimitError{Name: name, Restarts: restarts, Err: err})
			return
		}
		restarts++
		d := backoff(s.cfg.base, s.cfg.max, restarts, rand.Float64())
		s.restarts.Add(1)
		if s.cfg.onRestart != nil {
			s.cfg.onRestart(name, err, d)
		}
		if !wait(ctx, time.Now().Add(d)) {
			return
		}
	}
}

// fail records the supervisor's failure, once.
func (s *Supervisor) fail(err error) {
	s.failOnce.Do(func() {
		s.err = err
		close(s.done)
	})
}

// exit accounts for a goroutine started by Go returning.
func (s *Supervisor) exit() {
	s.running.Add(-1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.shutting && s.active == 0 {
		close(s.idle)
	}
}
