// Package redisproc runs a redis-server process on a loopback port: start
// it, wait until it answers, kill it as a crash would, and start it again on
// the same address. It is the process handling shared by the test helper
// internal/redistest and the programs under examples/ that start their own
// Redis; it knows nothing of testing.
package redisproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// startTimeout bounds how long a start waits for the server to be ready,
// its append-only file loaded.
const startTimeout = 15 * time.Second

// Server is a redis-server process on a loopback address.
type Server struct {
	bin, dir, addr string
	args           []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start runs bin in dir on a free loopback port and waits until it answers
// PING. The defaults (no snapshots, no append-only file, protected mode
// off) come first, so args override them. A port taken between probing and
// binding is tried again, three times in all.
func Start(bin, dir string, args ...string) (*Server, error) {
	s := &Server{bin: bin, dir: dir, args: args}
	var err error
	for range 3 {
		if s.addr, err = FreeAddr(); err != nil {
			return nil, err
		}
		if err = s.start(); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// Addr returns the server's address, host:port on loopback.
func (s *Server) Addr() string { return s.addr }

// Kill ends the server with SIGKILL (no shutdown save) and waits for it to
// exit. Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart kills the server if it runs, then starts it again on the same
// address and in the same directory, so that a server with an append-only
// file comes back with its data.
func (s *Server) Restart() error {
	s.Kill()
	return s.start()
}

// start runs the server on s.addr and waits until it answers PING.
func (s *Server) start() error {
	host, port, _ := net.SplitHostPort(s.addr)
	args := []string{"--bind", host, "--port", port, "--dir", s.dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no"}
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
	line, err := Command(addr, "PING")
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Command sends cmd, an inline command whose reply is one line, to the
// Redis server at addr and returns that line.
func Command(addr, cmd string) (string, error) {
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

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Addr().(*net.TCPAddr).Port)), nil
}
