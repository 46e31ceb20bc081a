package lifecycle

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// restartLog records the restarts a Supervisor reports.
type restartLog struct {
	mu     sync.Mutex
	errs   []error
	delays []time.Duration
}

func (l *restartLog) hook(name string, err error, delay time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
	l.delays = append(l.delays, delay)
}

func (l *restartLog) get() ([]error, []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...), append([]time.Duration(nil), l.delays...)
}

func newSupervisor(t *testing.T, opts ...SupervisorOption) *Supervisor {
	t.Helper()
	s, err := NewSupervisor(opts...)
	if err != nil {
		t.Fatalf("NewSupervisor: %v", err)
	}
	return s
}

func goOrFail(t *testing.T, s *Supervisor, name string, fn func(context.Context) error) {
	t.Helper()
	if err := s.Go(context.Background(), name, fn); err != nil {
		t.Fatalf("Go(%q) = %v", name, err)
	}
}

var errFailed = errors.New("failed")

func TestSupervisorBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log restartLog
		s := newSupervisor(t, WithBackoff(time.Second, 8*time.Second), WithRestartLimit(Unlimited), WithOnRestart(log.hook))
		r := newRecorder()
		goOrFail(t, s, "flaky", r.run(func(context.Context, int) error { return errFailed }))
		time.Sleep(60 * time.Second)
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
		starts := r.got()
		_, delays := log.get()
		if len(starts) < 8 {
			t.Fatalf("%d starts in 60s, want at least 8", len(starts))
		}
		for i := 1; i < len(starts); i++ {
			d := min(8*time.Second, time.Second<<(i-1)) // the i-th restart's bound
			gap := starts[i] - starts[i-1]
			if gap < d/2 || gap > d {
				t.Errorf("restart %d after %v, want within [%v, %v]", i, gap, d/2, d)
			}
			if gap != delays[i-1] {
				t.Errorf("restart %d after %v, hook said %v", i, gap, delays[i-1])
			}
		}
		if got := s.Stats().Restarts; got != uint64(len(starts)-1) && got != uint64(len(starts)) {
			t.Errorf("Stats().Restarts = %d, want %d (or one more, waiting)", got, len(starts)-1)
		}
	})
}

func TestSupervisorResetAfterHealth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log restartLog
		s := newSupervisor(t, WithBackoff(time.Second, time.Minute), WithRestartLimit(3),
			WithHealthyAfter(10*time.Second), WithOnRestart(log.hook))
		body := func(ctx context.Context, n int) error {
			switch {
			case n == 4 || n == 7: // healthy for 20s, then fails
				time.Sleep(20 * time.Second)
				return errFailed
			case n > 7:
				<-ctx.Done()
				return ctx.Err()
			}
			return errFailed
		}
		r := newRecorder()
		goOrFail(t, s, "consumer", r.run(body))
		time.Sleep(5 * time.Minute)
		if err := s.Err(); err != nil {
			t.Errorf("Err() = %v, want nil: a healthy run resets the count", err)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
		_, delays := log.get()
		if len(delays) != 7 {
			t.Fatalf("%d restarts, want 7", len(delays))
		}
		// Restarts 1-3 back off 1s, 2s, 4s; the failure after a healthy
		// run is the first in a row again (within [0.5s, 1s]), and without
		// the reset the fourth failure would pass the limit of 3.
		for i, d := range delays {
			n := i%3 + 1
			hi := time.Second << (n - 1)
			if d < hi/2 || d > hi {
				t.Errorf("delay %d = %v, want within [%v, %v]", i+1, d, hi/2, hi)
			}
		}
	})
}

func TestSupervisorRestartLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSupervisor(t, WithRestartLimit(2))
		goOrFail(t, s, "broken", func(context.Context) error { return errFailed })
		<-s.Done()
		var rl *RestartLimitError
		if err := s.Err(); !errors.As(err, &rl) || !errors.Is(err, errFailed) {
			t.Fatalf("Err() = %v, want a *RestartLimitError wrapping the failure", err)
		}
		if rl.Name != "broken" || rl.Restarts != 2 {
			t.Errorf("RestartLimitError = %+v, want broken after 2 restarts", rl)
		}
		if st := s.Stats(); st.Restarts != 2 || st.Running != 0 {
			t.Errorf("Stats() = %+v, want 2 restarts, none running", st)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	})
}

func TestSupervisorNoRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSupervisor(t, WithRestartLimit(0))
		goOrFail(t, s, "once", func(context.Context) error { return errFailed })
		<-s.Done()
		if st := s.Stats(); st.Restarts != 0 {
			t.Errorf("Stats().Restarts = %d with a limit of 0, want 0", st.Restarts)
		}
		_ = s.Shutdown(context.Background())
	})
}

func TestSupervisorPanicRestarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log restartLog
		s := newSupervisor(t, WithOnRestart(log.hook))
		r := newRecorder()
		goOrFail(t, s, "p", r.run(func(_ context.Context, n int) error {
			if n == 1 {
				panic(errFailed)
			}
			return nil // done: not restarted
		}))
		time.Sleep(time.Minute)
		errs, _ := log.get()
		var pe *PanicError
		if len(errs) != 1 || !errors.As(errs[0], &pe) || !errors.Is(errs[0], errFailed) {
			t.Errorf("restarts for %v, want one *PanicError wrapping the panic's error", errs)
		}
		if got := len(r.got()); got != 2 {
			t.Errorf("%d starts, want 2: a nil return is not restarted", got)
		}
		if st := s.Stats(); st.Running != 0 {
			t.Errorf("Stats().Running = %d, want 0", st.Running)
		}
		_ = s.Shutdown(context.Background())
	})
}

func TestSupervisorShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSupervisor(t)
		causes := make(chan error, 3)
		for _, name := range []string{"a", "b"} {
			goOrFail(t, s, name, func(ctx context.Context) error {
				<-ctx.Done()
				causes <- context.Cause(ctx)
				return errFailed // not restarted: its ctx is done
			})
		}
		goOrFail(t, s, "backing off", func(context.Context) error { return errFailed })
		synctest.Wait()
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
		close(causes)
		for c := range causes {
			if !errors.Is(c, ErrShutdownStarted) {
				t.Errorf("ctx cause = %v, want ErrShutdownStarted", c)
			}
		}
		if st := s.Stats(); st.Running != 0 {
			t.Errorf("Stats().Running = %d after Shutdown, want 0", st.Running)
		}
		if err := s.Go(context.Background(), "late", func(context.Context) error { return nil }); !errors.Is(err, ErrShutdownStarted) {
			t.Errorf("Go after Shutdown = %v, want ErrShutdownStarted", err)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("second Shutdown = %v, want nil", err)
		}
	})
}

func TestSupervisorShutdownCutShort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSupervisor(t)
		release := make(chan struct{})
		goOrFail(t, s, "stubborn", func(context.Context) error {
			<-release
			return nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
		}
		// A second Shutdown returns the first one's result.
		if err := s.Shutdown(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second Shutdown = %v, want the first one's DeadlineExceeded", err)
		}
		close(release)
	})
}

func TestSupervisorBadInput(t *testing.T) {
	s := newSupervisor(t)
	var nilCtx context.Context
	tests := []struct {
		err  error
		want string
	}{
		{s.Go(nilCtx, "x", func(context.Context) error { return nil }), "lifecycle: Supervisor.Go: nil Context"},
		{s.Go(context.Background(), "x", nil), `lifecycle: Supervisor.Go: nil function for "x"`},
		{s.Shutdown(nilCtx), "lifecycle: Supervisor.Shutdown: nil Context"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("err = %v, want %q", tt.err, tt.want)
		}
	}
	_ = s.Shutdown(context.Background())
}
