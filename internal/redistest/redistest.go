// Package redistest starts a real redis-server for tests.
//
// [Start] runs redis-server on a free loopback port in a temporary
// directory, with persistence off and no system configuration file, waits
// until it answers PING, and stops it when the test ends. [Server.Stop] and
// [Server.Restart] take the server away and bring it back on the same
// address, so fault tests can show what a client does while Redis is down.
//
// Where the redis-server binary is missing, Start skips the test with a
// message naming the package to install, unless the environment variable
// HOLDFAST_REQUIRE_REDIS is "1" (CI sets it), where it fails the test.
package redistest

import (
	"os"
	"os/exec"
	"testing"

	"github.com/holdfast-go/holdfast/internal/redisproc"
)

// RequireEnv is the environment variable that turns a missing redis-server
// from a skip into a failure.
const RequireEnv = "HOLDFAST_REQUIRE_REDIS"

// Server is a redis-server process owned by one test.
type Server struct {
	p *redisproc.Server
}

// Start starts redis-server for t and registers its shutdown with
// t.Cleanup. It skips or fails t when the binary is missing (see the
// package comment) and fails t when the server does not come up.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t)
}

// StartWith is [Start] with extra redis-server arguments, such as
// "--cluster-enabled", "yes". [Server.Restart] passes them again.
func StartWith(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, ok := Lookup(t)
	if !ok {
		return nil
	}
	p, err := redisproc.Start(bin, t.TempDir(), args...)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	s := &Server{p: p}
	t.Cleanup(s.Stop)
	return s
}

// Durable are the redis-server arguments that turn on the append-only file
// with an fsync after every write: a write that Redis acknowledged survives
// a kill of the server. Pass them to [StartWith]; [Server.Restart] then
// brings the server back with its data, read from the file.
var Durable = []string{"--appendonly", "yes", "--appendfsync", "always"}

// StartDurable is [StartWith] with the [Durable] arguments before args.
func StartDurable(t testing.TB, args ...string) *Server {
	t.Helper()
	return StartWith(t, append(append([]string(nil), Durable...), args...)...)
}

// Lookup finds redis-server on PATH. When it is missing, Lookup calls
// t.Skip, or t.Fatal when HOLDFAST_REQUIRE_REDIS=1, and returns false.
func Lookup(t testing.TB) (string, bool) {
	t.Helper()
	return lookup(t, exec.LookPath, os.Getenv(RequireEnv) == "1")
}

func lookup(t testing.TB, lookPath func(string) (string, error), required bool) (string, bool) {
	t.Helper()
	bin, err := lookPath("redis-server")
	if err == nil {
		return bin, true
	}
	const msg = "redistest: redis-server not found on PATH (install it: apt-get install redis-server)"
	if required {
		t.Fatal(msg + "; " + RequireEnv + "=1 makes this a failure")
	} else {
		t.Skip(msg)
	}
	return "", false
}

// Addr returns the server's address, host:port on loopback.
func (s *Server) Addr() string { return s.p.Addr() }

// Stop kills the server (SIGKILL: no shutdown save) and waits for it to
// exit. Stopping a stopped server does nothing.
func (s *Server) Stop() { s.p.Kill() }

// Restart starts a stopped server again on the same address. Its data set
// is empty, unless the server was started with persistence ([Durable]):
// then it holds every write the server acknowledged before it stopped. It
// stops the server first if it is running; stopping is a SIGKILL, as a
// crash would be.
func (s *Server) Restart() error { return s.p.Restart() }

// Ping sends PING to the Redis server at addr and checks for PONG.
func Ping(addr string) error { return redisproc.Ping(addr) }
