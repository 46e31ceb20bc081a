package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a child process of the demo: the intake or a worker, this
// program re-executed in another mode.
type process struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser // closing it tells the child that the parent left
	done  chan struct{}  // closed when the child has exited

	mu      sync.Mutex
	stats   workerStats // a worker's latest report
	killed  bool        // ended with SIGKILL or a crash on purpose
	crashed string      // the order the intake enqueued before it crashed
	exit    error       // how it exited
}

// startProcess runs exe in mode with args and waits for its ready line.
func startProcess(ctx context.Context, name, exe, mode string, args ...string) (*process, error) {
	cmd := exec.Command(exe, append([]string{mode}, args...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, stdin: stdin, done: make(chan struct{})}
	ready := make(chan struct{})
	go p.read(out, ready)
	t := time.NewTimer(15 * time.Second)
	defer t.Stop()
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before it was ready: %v", name, p.exitErr())
	case <-ctx.Done():
	case <-t.C:
	}
	p.kill()
	return nil, fmt.Errorf("%s not ready: %w", name, errors.Join(ctx.Err(), errors.New("gave up waiting")))
}

// read consumes the child's stdout: its ready line, then a worker's
// JSON reports. It reaps the child when the output ends.
func (p *process) read(out io.Reader, ready chan struct{}) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, readyPrefix) {
			close(ready)
			continue
		}
		if id, ok := strings.CutPrefix(line, crashedPrefix); ok {
			p.mu.Lock()
			p.crashed = id
			p.mu.Unlock()
			continue
		}
		var s workerStats
		if json.Unmarshal([]byte(line), &s) == nil {
			p.mu.Lock()
			p.stats = s
			p.mu.Unlock()
		}
	}
	err := p.cmd.Wait()
	p.mu.Lock()
	p.exit = err
	p.mu.Unlock()
	close(p.done)
}

// latest returns the worker's latest report.
func (p *process) latest() workerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func (p *process) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exit
}

// alive says whether the child is still running.
func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// crash asks the intake to exit right after its next enqueue, and waits
// for it up to d; then it kills it. It returns the order the intake
// enqueued before it exited, if it did.
func (p *process) crash(ctx context.Context, d time.Duration) string {
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	_, _ = io.WriteString(p.stdin, crashCommand+"\n")
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.kill()
	case <-ctx.Done():
		p.kill()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.crashed
}

// kill ends the child with SIGKILL, as a crash would, and waits for it.
func (p *process) kill() {
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop asks the child to shut down (SIGTERM) and waits for it, or kills it
// when ctx ends first. A child killed on purpose is already stopped.
func (p *process) stop(ctx context.Context) error {
	if !p.alive() {
		_ = p.stdin.Close()
		return p.unexpectedExit()
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		_ = p.stdin.Close()
		return p.unexpectedExit()
	case <-ctx.Done():
		p.kill()
		_ = p.stdin.Close()
		return fmt.Errorf("%s: killed after the shutdown's deadline: %w", p.name, ctx.Err())
	}
}

// unexpectedExit is the child's exit error unless it was killed on purpose.
func (p *process) unexpectedExit() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed || p.exit == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", p.name, p.exit)
}
