package main

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
	"time"
)

// redisControl kills and restarts the Redis the demo uses: a
// [redisServer], or in the test a redistest server.
type redisControl interface {
	kill()
	restart() error
	stop(context.Context) error
}

// redisServer is a redis-server the demo started, with the append-only
// file on and an fsync after every write, so that killing it loses nothing
// it acknowledged.
type redisServer struct {
	bin, dir, addr string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// errNoRedis says what to install; the demo's only message when
// redis-server is missing.
var errNoRedis = errors.New("redis-server not found on PATH: install Redis (apt-get install redis-server, brew install redis) or pass -redis host:port")

// startRedis starts a redis-server from PATH in a temporary directory on a
// free loopback port.
func startRedis() (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errNoRedis
	}
	dir, err := os.MkdirTemp("", "holdfast-orders-redis-")
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &redisServer{bin: bin, dir: dir, addr: addr}
	if err := s.start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// start runs redis-server and waits until it has loaded its data and
// answers PING.
func (s *redisServer) start() error {
	host, port, _ := net.SplitHostPort(s.addr)
	cmd := exec.Command(s.bin, "--bind", host, "--port", port, "--dir", s.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--protected-mode", "no", "--maxmemory-policy", "noeviction")
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
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case err = <-ready:
	case <-time.After(10 * time.Second):
		err = errors.New("not ready after 10s")
	}
	if err == nil {
		err = waitPing(s.addr)
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

// kill ends the server with SIGKILL, as a crash would, and waits for it.
func (s *redisServer) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// restart kills the server and starts it again on the same address, from
// its append-only file.
func (s *redisServer) restart() error {
	s.kill()
	return s.start()
}

// stop kills the server and removes its directory: the demo's last stage.
func (s *redisServer) stop(context.Context) error {
	s.kill()
	return os.RemoveAll(s.dir)
}

// waitReady reads the server's log until it accepts connections.
func waitReady(r io.Reader) error {
	sc := bufio.NewScanner(r)
	var last string
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Ready to accept connections") {
			return nil
		}
		last = sc.Text()
	}
	return fmt.Errorf("exited before it was ready: %s", last)
}

// waitPing waits until the server answers PING, which it does once it has
// loaded its append-only file.
func waitPing(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := ping(addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond) // a real process starting up
	}
}

// ping sends PING to addr over a plain connection.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(conn, "PING\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Addr().(*net.TCPAddr).Port)), nil
}

// checkLoopback refuses an address that is not on loopback: the demo
// contacts nothing else.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bad address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address (the demo contacts nothing else)", addr)
	}
	return nil
}
