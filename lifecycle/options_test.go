package lifecycle

import (
	"context"
	"math"
	"os"
	"testing"
	"time"
)

func TestNewTaskBadInput(t *testing.T) {
	ok := func(context.Context) error { return nil }
	tests := []struct {
		interval time.Duration
		fn       func(context.Context) error
		opts     []TaskOption
		want     string
	}{
		{0, ok, nil, "lifecycle: NewTask: interval must be > 0, got 0s"},
		{-time.Second, ok, nil, "lifecycle: NewTask: interval must be > 0, got -1s"},
		{time.Second, nil, nil, "lifecycle: NewTask: nil function"},
		{time.Second, ok, []TaskOption{nil}, "lifecycle: nil Option"},
		{time.Second, ok, []TaskOption{WithJitter(-0.1)}, "lifecycle: WithJitter: jitter must be in [0, 1], got -0.1"},
		{time.Second, ok, []TaskOption{WithJitter(1.5)}, "lifecycle: WithJitter: jitter must be in [0, 1], got 1.5"},
		{time.Second, ok, []TaskOption{WithJitter(math.NaN())}, "lifecycle: WithJitter: jitter must be in [0, 1], got NaN"},
		{time.Second, ok, []TaskOption{WithOverlap(Overlap(7))}, "lifecycle: WithOverlap: unknown policy Overlap(7)"},
		{time.Second, ok, []TaskOption{WithOnError(nil)}, "lifecycle: WithOnError: hook must not be nil"},
		{time.Second, ok, []TaskOption{WithLease(nil)}, "lifecycle: WithLease: lease must not be nil"},
		{time.Second, ok, []TaskOption{WithFinalRun(), WithLease(newFakeLease())},
			"lifecycle: NewTask: WithFinalRun and WithLease cannot be combined: a final run would run on every replica"},
	}
	for _, tt := range tests {
		task, err := NewTask(tt.interval, tt.fn, tt.opts...)
		if err == nil || err.Error() != tt.want || task != nil {
			t.Errorf("NewTask(%v, ...) = %v, %v, want nil, %q", tt.interval, task, err, tt.want)
		}
	}
}

func TestNewSupervisorBadInput(t *testing.T) {
	tests := []struct {
		opt  SupervisorOption
		want string
	}{
		{nil, "lifecycle: nil Option"},
		{WithBackoff(0, time.Second), "lifecycle: WithBackoff: base must be > 0, got 0s"},
		{WithBackoff(time.Second, time.Millisecond), "lifecycle: WithBackoff: max must be >= base (1s), got 1ms"},
		{WithHealthyAfter(0), "lifecycle: WithHealthyAfter: duration must be > 0, got 0s"},
		{WithRestartLimit(-2), "lifecycle: WithRestartLimit: limit must be >= 0 or Unlimited, got -2"},
		{WithOnRestart(nil), "lifecycle: WithOnRestart: hook must not be nil"},
	}
	for _, tt := range tests {
		s, err := NewSupervisor(tt.opt)
		if err == nil || err.Error() != tt.want || s != nil {
			t.Errorf("NewSupervisor(%v) = %v, %v, want nil, %q", tt.opt, s, err, tt.want)
		}
	}
}

func TestNewShutdownBadInput(t *testing.T) {
	tests := []struct {
		opt  ShutdownOption
		want string
	}{
		{nil, "lifecycle: nil Option"},
		{WithTimeout(0), "lifecycle: WithTimeout: timeout must be > 0, got 0s"},
		{WithSignals(), "lifecycle: WithSignals: no signal given"},
		{WithSignals(os.Interrupt, nil), "lifecycle: WithSignals: signal 1 is nil"},
		{WithExit(nil), "lifecycle: WithExit: function must not be nil"},
	}
	for _, tt := range tests {
		s, err := NewShutdown(tt.opt)
		if err == nil || err.Error() != tt.want || s != nil {
			t.Errorf("NewShutdown(%v) = %v, %v, want nil, %q", tt.opt, s, err, tt.want)
		}
	}
}

func TestOverlapString(t *testing.T) {
	tests := []struct {
		o    Overlap
		want string
	}{{Skip, "Skip"}, {Delay, "Delay"}, {Overlap(-1), "Overlap(-1)"}}
	for _, tt := range tests {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("Overlap(%d).String() = %q, want %q", int(tt.o), got, tt.want)
		}
	}
}
