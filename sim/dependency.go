package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/holdfast-go/holdfast/internal/vclock"
)

// Errors of a simulated dependency. Both count as dependency errors in a
// [Result].
var (
	// ErrFailed is a call the dependency answered with an error.
	ErrFailed = errors.New("sim: dependency failed")
	// ErrOverloaded is a call the dependency refused at once because its
	// queue was full.
	ErrOverloaded = errors.New("sim: dependency overloaded")
)

// Dependency is the model of a service that the simulated requests call: a
// server with Workers calls in service at once and a FIFO queue in front of
// them. A call waits in the queue for a worker, is served for a time drawn
// from Latency, and then succeeds or fails (with probability ErrorRate).
//
// Overload feeds on itself as it does in real servers: a call whose caller
// gave up (its deadline passed, a hedge won, a retry's attempt timed out)
// stays in the queue and is served all the same, so that a backlog built
// in an outage keeps later calls waiting past their deadlines, and every
// timeout or retry adds work that nobody will read.
type Dependency struct {
	// Name identifies the dependency in [Env.Dependency] and in results.
	Name string
	// Latency is the service time of a call (not counting its wait for a
	// worker).
	Latency Latency
	// ErrorRate is the probability that a call fails, in [0, 1].
	ErrorRate float64
	// Workers is how many calls are served at once: the capacity is
	// Workers / mean service time calls a second. 0 means no limit (no
	// queue, no overload).
	Workers int
	// Queue is how many calls may wait for a worker; a call beyond it fails
	// at once with [ErrOverloaded]. 0 means an unbounded queue.
	Queue int
	// Phases change the dependency for a while: an outage, a brownout, a
	// slow period, a recovery at reduced capacity.
	Phases []Phase
}

// Phase changes a [Dependency] from Start to Start+Duration of a run.
// Zero fields leave the dependency as it is.
type Phase struct {
	// Name describes the phase: "outage", "brownout", "slow", "recovery".
	Name            string
	Start, Duration time.Duration
	// ErrorRate, if > 0, replaces the dependency's.
	ErrorRate float64
	// Latency, if set, replaces the dependency's service time.
	Latency Latency
	// Slowdown, if > 0, multiplies the service time.
	Slowdown float64
	// Workers, if > 0, replaces the dependency's worker count.
	Workers int
}

// Outage is a phase in which every call fails (after its service time:
// the server does the work, then its own dependency fails it).
func Outage(start, d time.Duration) Phase {
	return Phase{Name: "outage", Start: start, Duration: d, ErrorRate: 1}
}

// Degraded is a brownout phase: calls fail with probability errorRate and
// take slowdown times as long.
func Degraded(start, d time.Duration, errorRate, slowdown float64) Phase {
	return Phase{Name: "brownout", Start: start, Duration: d, ErrorRate: errorRate, Slowdown: slowdown}
}

// Slow is a phase in which every call takes latency instead of the usual
// service time (a hung dependency: a latency longer than the callers'
// timeouts makes every call time out).
func Slow(start, d time.Duration, latency Latency) Phase {
	return Phase{Name: "slow", Start: start, Duration: d, Latency: latency}
}

// Recovery is a phase in which the dependency serves with fewer workers
// (cold caches, instances still starting).
func Recovery(start, d time.Duration, workers int) Phase {
	return Phase{Name: "recovery", Start: start, Duration: d, Workers: workers}
}

func (d *Dependency) validate() error {
	switch {
	case d.Name == "":
		return errors.New("sim: Dependency: Name must not be empty")
	case d.Latency == nil:
		return fmt.Errorf("sim: Dependency %q: Latency must not be nil", d.Name)
	case !(d.ErrorRate >= 0 && d.ErrorRate <= 1):
		return fmt.Errorf("sim: Dependency %q: ErrorRate must be in [0, 1], got %v", d.Name, d.ErrorRate)
	case d.Workers < 0:
		return fmt.Errorf("sim: Dependency %q: Workers must be >= 0, got %d", d.Name, d.Workers)
	case d.Queue < 0:
		return fmt.Errorf("sim: Dependency %q: Queue must be >= 0, got %d", d.Name, d.Queue)
	}
	for i, p := range d.Phases {
		switch {
		case p.Start < 0 || p.Duration <= 0:
			return fmt.Errorf("sim: Dependency %q: phase %d: Start must be >= 0 and Duration > 0, got %v and %v", d.Name, i, p.Start, p.Duration)
		case !(p.ErrorRate >= 0 && p.ErrorRate <= 1):
			return fmt.Errorf("sim: Dependency %q: phase %d: ErrorRate must be in [0, 1], got %v", d.Name, i, p.ErrorRate)
		case !(p.Slowdown >= 0) || math.IsInf(p.Slowdown, 1) || p.Workers < 0:
			return fmt.Errorf("sim: Dependency %q: phase %d: Slowdown (finite) and Workers must be >= 0, got %v and %d", d.Name, i, p.Slowdown, p.Workers)
		}
	}
	return nil
}

// server is a Dependency during a run.
type server struct {
	dep   *Dependency
	clock *Clock
	rng   *rand.Rand
	busy  int
	queue []*job
	head  int
	calls int
	// onCall counts a call in the run's time series.
	onCall func()
}

// job is one call in the server.
type job struct {
	err      error
	finished bool
	wake     func() // wakes the caller; nil once it gave up
}

// phase returns the dependency as it is at virtual time now.
func (s *server) phase(now time.Duration) (lat Latency, errRate, slow float64, workers int) {
	d := s.dep
	lat, errRate, slow, workers = d.Latency, d.ErrorRate, 1, d.Workers
	for _, p := range d.Phases {
		if now < p.Start || now >= p.Start+p.Duration {
			continue
		}
		if p.Latency != nil {
			lat = p.Latency
		}
		if p.ErrorRate > 0 {
			errRate = p.ErrorRate
		}
		if p.Slowdown > 0 {
			slow = p.Slowdown
		}
		if p.Workers > 0 {
			workers = p.Workers
		}
	}
	return lat, errRate, slow, workers
}

// call is one call of the dependency by an actor: it queues or starts a
// job and waits for it, or for ctx to end.
func (s *server) call(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	s.calls++
	s.onCall()
	j := &job{}
	_, _, _, workers := s.phase(s.clock.Since())
	switch {
	case workers == 0 || s.busy < workers:
		s.serve(j)
	case s.dep.Queue > 0 && len(s.queue)-s.head >= s.dep.Queue:
		return ErrOverloaded
	default:
		s.queue = append(s.queue, j)
	}
	s.wait(ctx, j)
	if j.finished {
		return j.err
	}
	return context.Cause(ctx)
}

// wait blocks the calling actor until j is finished or ctx ends. It
// parks on the clock when internal/vclock can watch ctx (the contexts of
// the simulator and of the pattern packages' WithClock are such), and
// waits on a child of ctx otherwise.
func (s *server) wait(ctx context.Context, j *job) {
	if vclock.Watchable(ctx) {
		var w vclock.Watching
		s.clock.Park(func(wake func()) {
			j.wake = wake
			w, _ = vclock.Watch(ctx, wake)
		})
		w.Stop()
		j.wake = nil
		return
	}
	wctx, wake := context.WithCancel(ctx)
	j.wake = wake
	s.clock.Wait(wctx.Done())
	wake()
	j.wake = nil
}

// serve starts serving j.
func (s *server) serve(j *job) {
	lat, errRate, slow, _ := s.phase(s.clock.Since())
	d := time.Duration(float64(lat.Sample(s.rng)) * slow)
	var err error
	if errRate > 0 && s.rng.Float64() < errRate {
		err = ErrFailed
	}
	s.busy++
	s.clock.AfterFunc(d, func() { s.done(j, err) })
}

// done ends j and starts the next queued job, if a worker is free.
func (s *server) done(j *job, err error) {
	j.err, j.finished = err, true
	if j.wake != nil {
		j.wake()
	}
	s.busy--
	_, _, _, workers := s.phase(s.clock.Since())
	for s.head < len(s.queue) && (workers == 0 || s.busy < workers) {
		next := s.queue[s.head]
		s.queue[s.head] = nil
		s.head++
		s.serve(next)
	}
	if s.head == len(s.queue) {
		s.queue, s.head = s.queue[:0], 0
	}
}
