package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/holdfast-go/holdfast/internal/redistest"
)

// built is the program, built once for the worker and intake processes:
// the test binary cannot be re-executed as the program, and a build
// without the race detector keeps the children quick on a busy machine.
var built struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// program builds the program into a temporary directory.
func program(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.path = filepath.Join(binDir, "orders")
		built.out, built.err = exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.path
}

// redisCtl kills and restarts a redistest server for the demo.
type redisCtl struct{ srv *redistest.Server }

func (r redisCtl) kill()                      { r.srv.Stop() }
func (r redisCtl) restart() error             { return r.srv.Restart() }
func (r redisCtl) stop(context.Context) error { return nil } // the test's cleanup stops it

// TestDemoInvariants runs every phase, half a second each, against a real
// redis-server with the append-only file on, with real worker and intake
// processes (one worker killed with SIGKILL, the intake killed and
// restarted, redis-server killed and restarted), and checks the report.
func TestDemoInvariants(t *testing.T) {
	srv := redistest.StartDurable(t)
	exe := program(t)
	cfg, err := parseFlags([]string{"-duration", "3500ms", "-rate", "20", "-visibility", "1s",
		"-redis", srv.Addr(), "-exe", exe, "-seed", "7"}, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parseFlags: %v", err)
	}
	cfg.control = redisCtl{srv}
	out := &lockedWriter{w: &bytes.Buffer{}}
	r, err := demo(t.Context(), cfg, out)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.w.(*bytes.Buffer).String())
	}
	r.print(out)
	text := out.w.(*bytes.Buffer).String()
	if err := r.check(); err != nil {
		t.Errorf("check: %v\n%s", err, text)
	}
	tests := []struct {
		name string
		got  uint64
	}{
		{"orders accepted", r.accepted},
		{"orders charged", uint64(r.charged)},
		{"requests shed at intake", r.shed},
		{"duplicates replayed at intake", r.replayed},
		{"charges refused by the failing provider", r.provider.refused},
		{"failed deliveries", r.workers.Failed},
	}
	for _, tt := range tests {
		if tt.got == 0 {
			t.Errorf("%s = 0, want some\n%s", tt.name, text)
		}
	}
	if r.workers.Reclaimed < uint64(r.held) {
		t.Errorf("the killed worker left %d entries, %d reclaimed\n%s", r.held, r.workers.Reclaimed, text)
	}
	if r.crashed != "" && r.crashedLines != 1 {
		t.Errorf("the order %s enqueued by the crashed intake has %d raw-log lines, want 1\n%s", r.crashed, r.crashedLines, text)
	}
	for _, want := range []string{"SIGKILL worker", "the intake", "SIGKILL redis-server", "-- drain", "| workers 2/3 |", "== report", "OK: every accepted order"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

// TestDemoInterrupted stops the demo in its second phase, as Ctrl-C
// would: it shuts everything down (goleak, in TestMain, finds a goroutine
// left reading a child that did not exit) and says it was interrupted.
func TestDemoInterrupted(t *testing.T) {
	srv := redistest.StartDurable(t)
	cfg, err := parseFlags([]string{"-duration", "3500ms", "-rate", "10", "-redis", srv.Addr(), "-exe", program(t)}, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parseFlags: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &cancelWriter{on: "-- burst", cancel: cancel}
	_, err = demo(ctx, cfg, out)
	if err == nil || !strings.Contains(err.Error(), "interrupted in phase burst") {
		t.Errorf("demo = %v, want interrupted in phase burst\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "shutdown in") {
		t.Errorf("output lacks the shutdown line:\n%s", out.String())
	}
}

// cancelWriter keeps the output and calls cancel once on appears in it.
type cancelWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	on     string
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.on) {
		w.cancel()
	}
	return len(p), nil
}

func (w *cancelWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
