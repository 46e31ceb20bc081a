package redistest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/holdfast-go/holdfast/internal/redisproc"
)

func TestStartPingStopRestart(t *testing.T) {
	s := Start(t)
	if err := Ping(s.Addr()); err != nil {
		t.Fatalf("Ping(%s) after Start = %v, want nil", s.Addr(), err)
	}
	s.Stop()
	if err := Ping(s.Addr()); err == nil {
		t.Fatalf("Ping(%s) after Stop = nil, want an error", s.Addr())
	}
	s.Stop() // a second Stop is harmless
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart() = %v, want nil", err)
	}
	if err := Ping(s.Addr()); err != nil {
		t.Fatalf("Ping(%s) after Restart = %v, want nil", s.Addr(), err)
	}
}

func TestRestartWhileRunning(t *testing.T) {
	s := Start(t)
	addr := s.Addr()
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart() = %v, want nil", err)
	}
	if s.Addr() != addr {
		t.Fatalf("Addr() after Restart = %s, want %s", s.Addr(), addr)
	}
	if err := Ping(addr); err != nil {
		t.Fatalf("Ping(%s) = %v, want nil", addr, err)
	}
}

func TestStartWithArgs(t *testing.T) {
	s := StartWith(t, "--databases", "1")
	for _, step := range []string{"Start", "Restart"} {
		// With one database, only database 0 can be selected.
		if line, err := redisproc.Command(s.Addr(), "SELECT 1"); err != nil || !strings.HasPrefix(line, "-ERR") {
			t.Errorf("SELECT 1 after %s with --databases 1 = %q, %v, want an error reply", step, line, err)
		}
		if err := s.Restart(); err != nil {
			t.Fatalf("Restart() = %v, want nil", err)
		}
	}
	if line, err := redisproc.Command(Start(t).Addr(), "SELECT 1"); line != "+OK\r\n" || err != nil {
		t.Errorf("SELECT 1 on a server started without arguments = %q, %v, want +OK", line, err)
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of stopping
// the goroutine, so the lookup logic can be tested without a real skip.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any) { r.failed = fmt.Sprint(args...) }

func TestLookup(t *testing.T) {
	found := func(string) (string, error) { return "/usr/bin/redis-server", nil }
	missing := func(string) (string, error) { return "", errors.New("not found") }
	tests := []struct {
		name        string
		lookPath    func(string) (string, error)
		required    bool
		wantOK      bool
		wantSkip    bool
		wantFailure bool
	}{
		{"found", found, false, true, false, false},
		{"found required", found, true, true, false, false},
		{"missing skips", missing, false, false, true, false},
		{"missing required fails", missing, true, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			_, ok := lookup(r, tt.lookPath, tt.required)
			if ok != tt.wantOK {
				t.Errorf("lookup ok = %v, want %v", ok, tt.wantOK)
			}
			if (r.skipped != "") != tt.wantSkip {
				t.Errorf("skipped = %q, want skip %v", r.skipped, tt.wantSkip)
			}
			if (r.failed != "") != tt.wantFailure {
				t.Errorf("failed = %q, want failure %v", r.failed, tt.wantFailure)
			}
			for _, msg := range []string{r.skipped, r.failed} {
				if msg != "" && !strings.Contains(msg, "apt-get install redis-server") {
					t.Errorf("message %q does not name apt-get install redis-server", msg)
				}
			}
		})
	}
}

func TestStartDurableKeepsWritesAcrossRestart(t *testing.T) {
	s := StartDurable(t)
	if line, err := redisproc.Command(s.Addr(), "SET k v"); line != "+OK\r\n" || err != nil {
		t.Fatalf("SET k v = %q, %v, want +OK", line, err)
	}
	if err := s.Restart(); err != nil { // Stop is a SIGKILL: no save on exit
		t.Fatalf("Restart() = %v, want nil", err)
	}
	if line, err := redisproc.Command(s.Addr(), "EXISTS k"); line != ":1\r\n" || err != nil {
		t.Fatalf("EXISTS k after a kill and Restart = %q, %v, want :1", line, err)
	}
}
