package lifecycle

import (
	"context"
	"os"
	"os/signal"
	"sync"
)

// SignalError is the cause of the ctx of [Shutdown.NotifyContext] when a
// signal cancelled it: context.Cause(ctx) says which signal came.
type SignalError struct {
	Signal os.Signal
}

var _ error = (*SignalError)(nil)

// Error names the signal.
func (e *SignalError) Error() string { return "lifecycle: received signal " + e.Signal.String() }

// NotifyContext is [signal.NotifyContext] for a shutdown: it returns a
// copy of parent that is cancelled, with a *[SignalError] as its cause,
// when the first of the shutdown's signals arrives (SIGINT and SIGTERM
// unless [WithSignals] says otherwise), or when stop is called or parent
// is done.
//
// It differs in what comes next. Until stop is called, the signals stay
// caught, and a second one ends the process at once: it calls the exit
// function, os.Exit([ExitCode]) unless [WithExit] gives another, without
// waiting for the shutdown (and without running deferred calls). That is
// the operator's way out of a shutdown that hangs: press Ctrl-C twice. A
// shutdown started some other way (a call to Run) does not count as the
// first signal: a SIGTERM that then arrives, from Kubernetes say, is
// noted and the shutdown goes on; only the next forces the exit.
//
// Call stop once the shutdown is over (or to stop listening), to release
// the signals; it waits for the listening goroutine. NotifyContext panics
// if parent is nil, as signal.NotifyContext does.
func (s *Shutdown) NotifyContext(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	if parent == nil {
		panic("lifecycle: nil Context")
	}
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, s.cfg.signals...)
	if s.listening != nil {
		s.listening()
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case sig := <-sigs:
			cancel(&SignalError{Signal: sig})
		case <-quit:
			return
		}
		select {
		case <-sigs:
			s.cfg.exit(ExitCode)
		case <-quit:
		}
	})
	var once sync.Once
	stop = func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(quit)
			wg.Wait()
			cancel(context.Canceled)
		})
	}
	return ctx, stop
}

// Wait is a service's main loop after it has started its parts: it waits
// for the first of the shutdown's signals (or for ctx to be done, or for
// Run to be called elsewhere), then runs the shutdown with Run and returns
// its result. A second signal during the shutdown ends the process, as
// [Shutdown.NotifyContext] describes. The stages get the shutdown's own
// deadline, not ctx's: ctx's cancellation only starts the shutdown.
func (s *Shutdown) Wait(ctx context.Context) (Report, error) {
	if ctx == nil {
		return Report{}, nilContext("Shutdown.Wait")
	}
	sigCtx, stop := s.NotifyContext(ctx)
	defer stop()
	select {
	case <-sigCtx.Done():
	case <-s.begun:
	}
	return s.Run(context.WithoutCancel(ctx))
}
