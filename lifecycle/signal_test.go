package lifecycle

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// guard bounds a wait on a real event, so that a broken test fails
// instead of hanging; it is not a timing assertion.
const guard = 10 * time.Second

// exitRecorder is a WithExit function that records its calls.
type exitRecorder chan int

func (e exitRecorder) exit(code int) { e <- code }

// kill sends sig to this process. It is safe only while a Notify for sig
// is active: otherwise the default action would end the test binary.
func kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatalf("kill: %v", err)
	}
}

func TestNotifyContextSecondSignalExits(t *testing.T) {
	exits := make(exitRecorder, 1)
	s := newShutdown(t, WithExit(exits.exit))
	ctx, stop := s.NotifyContext(context.Background())
	defer stop()
	kill(t, syscall.SIGTERM)
	select {
	case <-ctx.Done():
	case <-time.After(guard):
		t.Fatal("ctx not done after SIGTERM")
	}
	var se *SignalError
	if err := context.Cause(ctx); !errors.As(err, &se) || se.Signal != syscall.SIGTERM {
		t.Errorf("Cause = %v, want a *SignalError for SIGTERM", err)
	}
	select {
	case code := <-exits:
		t.Fatalf("exit(%d) after one signal", code)
	default:
	}
	kill(t, syscall.SIGINT)
	select {
	case code := <-exits:
		if code != ExitCode {
			t.Errorf("exit(%d), want exit(%d)", code, ExitCode)
		}
	case <-time.After(guard):
		t.Fatal("no exit after a second signal")
	}
}

func TestNotifyContextStop(t *testing.T) {
	s := newShutdown(t, WithExit(func(int) { t.Error("exit called") }))
	ctx, stop := s.NotifyContext(context.Background())
	stop()
	stop() // a second stop is harmless
	if !errors.Is(context.Cause(ctx), context.Canceled) {
		t.Errorf("Cause after stop = %v, want context.Canceled", context.Cause(ctx))
	}
}

func TestNotifyContextNilPanics(t *testing.T) {
	s := newShutdown(t)
	defer func() {
		if r := recover(); r != "lifecycle: nil Context" {
			t.Errorf("NotifyContext(nil) panicked with %v, want lifecycle: nil Context", r)
		}
	}()
	var nilCtx context.Context
	s.NotifyContext(nilCtx)
}

// waitResult is what Wait returned.
type waitResult struct {
	r   Report
	err error
}

func startWait(t *testing.T, ctx context.Context, s *Shutdown) chan waitResult {
	t.Helper()
	done := make(chan waitResult, 1)
	go func() {
		r, err := s.Wait(ctx)
		done <- waitResult{r, err}
	}()
	return done
}

func TestWait(t *testing.T) {
	tests := []struct {
		name    string
		trigger func(t *testing.T, s *Shutdown, cancel context.CancelFunc)
	}{
		{"signal", func(t *testing.T, s *Shutdown, _ context.CancelFunc) { kill(t, syscall.SIGINT) }},
		{"call", func(t *testing.T, s *Shutdown, _ context.CancelFunc) { _, _ = s.Run(context.Background()) }},
		{"ctx", func(t *testing.T, _ *Shutdown, cancel context.CancelFunc) { cancel() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShutdown(t, WithExit(func(int) { t.Error("exit called") }))
			listening := make(chan struct{})
			s.listening = func() { close(listening) } // the signals are caught from here on
			add(t, s, "a", func(ctx context.Context) error {
				if ctx.Err() != nil {
					return errors.New("stage got a done ctx: Wait's ctx leaked into the stages")
				}
				return nil
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := startWait(t, ctx, s)
			<-listening
			tt.trigger(t, s, cancel)
			select {
			case res := <-done:
				if res.err != nil || len(res.r.Stages) != 1 {
					t.Errorf("Wait = %+v, %v, want one stage and nil", res.r, res.err)
				}
			case <-time.After(guard):
				t.Fatal("Wait did not return")
			}
		})
	}
}

func TestWaitNilContext(t *testing.T) {
	s := newShutdown(t)
	var nilCtx context.Context
	if _, err := s.Wait(nilCtx); err == nil || err.Error() != "lifecycle: Shutdown.Wait: nil Context" {
		t.Errorf("Wait(nil) = %v, want a nil Context error", err)
	}
}

// A second signal while Wait's shutdown hangs ends the process.
func TestWaitSecondSignalExits(t *testing.T) {
	exits := make(exitRecorder, 1)
	s := newShutdown(t, WithExit(exits.exit))
	listening := make(chan struct{})
	s.listening = func() { close(listening) }
	running := make(chan struct{})
	add(t, s, "hangs", func(ctx context.Context) error {
		close(running)
		<-exits // stands for the process ending
		return nil
	})
	done := startWait(t, context.Background(), s)
	<-listening
	kill(t, syscall.SIGTERM)
	<-running
	kill(t, syscall.SIGTERM)
	select {
	case res := <-done:
		if res.err != nil {
			t.Errorf("Wait = %v, want nil once the stage returned", res.err)
		}
	case <-time.After(guard):
		t.Fatal("the second signal did not call exit")
	}
}
