package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
)

// transition is one change of a breaker's state.
type transition struct {
	at       time.Duration // since the start of the load
	phase    string
	name     string
	from, to breaker.State
}

// recorder knows the current phase and records the breakers' state changes,
// printing each as it happens.
type recorder struct {
	start time.Time
	phase atomic.Int32
	out   io.Writer // shared with other goroutines: a lockedWriter

	mu   sync.Mutex
	list []transition
}

func newRecorder(out io.Writer) *recorder {
	return &recorder{start: time.Now(), out: out}
}

func (r *recorder) setPhase(i int)       { r.phase.Store(int32(i)) }
func (r *recorder) currentPhase() int    { return int(r.phase.Load()) }
func (r *recorder) since() time.Duration { return time.Since(r.start) }

// onStateChange is the breakers' hook.
func (r *recorder) onStateChange(name string, from, to breaker.State) {
	t := transition{at: r.since(), phase: phases[r.currentPhase()].name, name: name, from: from, to: to}
	r.mu.Lock()
	r.list = append(r.list, t)
	r.mu.Unlock()
	fmt.Fprintf(r.out, "[%5.1fs]     breaker %s: %s -> %s\n", t.at.Seconds(), name, from, to)
}

// transitions returns a copy of the changes recorded so far.
func (r *recorder) transitions() []transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]transition(nil), r.list...)
}

// lockedWriter serializes writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
