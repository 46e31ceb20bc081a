package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"

	"github.com/holdfast-go/holdfast/internal/redisproc"
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
	*redisproc.Server
	dir  string
	addr string
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
	p, err := redisproc.Start(bin, dir, "--appendonly", "yes", "--appendfsync", "always",
		"--maxmemory-policy", "noeviction")
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &redisServer{Server: p, dir: dir, addr: p.Addr()}, nil
}

// kill ends the server with SIGKILL, as a crash would, and waits for it.
func (s *redisServer) kill() { s.Kill() }

// restart kills the server and starts it again on the same address, from
// its append-only file.
func (s *redisServer) restart() error { return s.Restart() }

// stop kills the server and removes its directory: the demo's last stage.
func (s *redisServer) stop(context.Context) error {
	s.Kill()
	return os.RemoveAll(s.dir)
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
