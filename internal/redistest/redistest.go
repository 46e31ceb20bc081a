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
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing redis-server
// from a skip into a failure.
const RequireEnv = "HOLDFAST_REQUIRE_REDIS"

// startTimeout bounds how long Start waits for redis-server to be ready.
const startTimeout = 15 * time.Second

// Server is a redis-server process owned by one test.
type Server struct {
	bin  string
	dir  string
	addr string
	args []string // extra redis-server arguments

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
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
	s := &Server{bin: bin, dir: t.TempDir(), args: args}
	var err error
	for range 3 { // a free port can be taken between probing and binding
		if s.addr, err = freeAddr(); err != nil {
			break
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
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
func (s *Server) Addr() string { return s.addr }

// Stop kills the server (SIGKILL: no shutdown save) and waits for it to exit. Stopping a stopped
// server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart starts a stopped server again on the same address. Its data set
// is empty, unless the server was started with persistence ([Durable]):
// then it holds every write the server acknowledged before it stopped. It
// stops the server first if it is running; stopping is a SIGKILL, as a
// crash would be.
func (s *Server) Restart() error {
	s.Stop()
	return s.start()
}

// start runs redis-server on s.addr and waits until it answers PING. The
// extra arguments come after the defaults, so they override them.
func (s *Server) start() error {
	host, port, _ := net.SplitHostPort(s.addr)
	args := []string{
		"--bind", host, "--port", port,
		"--dir", s.dir,
		"--save", "", "--appendonly", "no",
		"--protected-mode", "no",
	}
	cmd := exec.Command(s.bin, append(args, s.args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	ready := make(chan error, 1)
	go func() {
		ready <- waitReady(out)
		_, _ = io.Copy(io.Discard, out) // keep the pipe drained
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case err = <-ready:
	case <-time.After(startTimeout):
		err = errors.New("redis-server did not report ready in time")
	}
	if err == nil {
		err = waitLoaded(s.addr)
	}
	if err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("redis-server on %s: %w", s.addr, err)
	}
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

// waitReady reads redis-server's log until it reports that it accepts
// connections, or until the log ends (the process exited).
func waitReady(r io.Reader) error {
	sc := bufio.NewScanner(r)
	var last string
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "Ready to accept connections") {
			return nil
		}
		last = line
	}
	return fmt.Errorf("exited before it was ready: %s", last)
}

// waitLoaded waits until the server answers PING, which it does only once
// it has loaded its append-only file, if it has one.
func waitLoaded(addr string) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := Ping(addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond) // polls a real process starting up
	}
}

// Ping sends PING to the Redis server at addr and checks for PONG.
func Ping(addr string) error {
	line, err := command(addr, "PING")
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// command sends cmd, an inline command whose reply is one line, to the
// Redis server at addr and returns that line.
func command(addr, cmd string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	if _, err := io.WriteString(conn, cmd+"\r\n"); err != nil {
		return "", err
	}
	return bufio.NewReader(conn).ReadString('\n')
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Addr().(*net.TCPAddr).Port)), nil
}
