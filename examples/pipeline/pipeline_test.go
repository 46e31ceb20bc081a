package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/holdfast-go/holdfast/internal/exampletest"
)

// fast are flags that keep a run short.
var fast = []string{"-duration", "300ms", "-rate", "2000", "-work", "1ms", "-fail-every", "7"}

func TestRunCountsAddUp(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, s summary)
	}{
		{"all handled", []string{"-grace", "5s"}, func(t *testing.T, s summary) {
			if s.Returned != 0 {
				t.Errorf("Returned = %d, want 0 with a long grace", s.Returned)
			}
		}},
		{"grace runs out", []string{"-grace", "1ms", "-rate", "50", "-capacity", "32"}, func(t *testing.T, s summary) {
			if s.Returned == 0 {
				t.Errorf("Returned = 0, want > 0: 32 queued jobs at 50/s cannot finish in 1ms")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseFlags(append(append([]string{}, fast...), tt.args...), io.Discard)
			if err != nil {
				t.Fatalf("parseFlags: %v", err)
			}
			s, err := pipeline(context.Background(), cfg, io.Discard)
			if err != nil {
				t.Fatalf("pipeline: %v", err)
			}
			if sum := s.Handled + s.Failed + s.Returned; sum != s.Accepted {
				t.Errorf("handled+failed+returned = %d, want accepted = %d (%+v)", sum, s.Accepted, s)
			}
			if s.Accepted == 0 || s.Failed == 0 || s.Offered < s.Accepted {
				t.Errorf("summary = %+v, want accepted > 0, failed > 0, offered >= accepted", s)
			}
			tt.check(t, s)
		})
	}
}

func TestRunReport(t *testing.T) {
	exampletest.PrintsWith(t, run, fast, "stopped because the duration elapsed", "nothing lost")
}

// firstWrite calls f on the first write to it.
type firstWrite struct {
	once sync.Once
	f    func()
}

func (w *firstWrite) Write(p []byte) (int, error) {
	w.once.Do(w.f)
	return len(p), nil
}

func TestRunStopsOnSignal(t *testing.T) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT)
	defer stop()
	var out bytes.Buffer
	w := &firstWrite{f: func() {
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Errorf("kill: %v", err)
		}
	}}
	args := append(append([]string{}, fast...), "-duration", "1h")
	if err := run(ctx, args, io.MultiWriter(w, &out)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"because a signal arrived", "nothing lost"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-duration", "-1s"}, "-duration must be > 0"},
		{[]string{"-grace", "0s"}, "-grace must be > 0"},
		{[]string{"-workers", "0"}, "WithWorkers"},
		{[]string{"-rate", "x"}, "invalid value"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		exampletest.Fails(t, run, tt.args, tt.want)
	}
}

func TestRunHelp(t *testing.T) {
	exampletest.PrintsWith(t, run, []string{"-h"}, "-duration", "-grace")
}
