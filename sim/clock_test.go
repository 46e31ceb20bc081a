package sim

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/holdfast-go/holdfast/internal/panics"
)

// runActors runs the actors fs on a new clock, in order, and returns run's
// error.
func runActors(fs ...func(c *Clock)) error {
	c := newClock()
	for _, f := range fs {
		c.Go(func() { f(c) })
	}
	return c.run()
}

// TestPark checks that a parked actor runs again when woken, at the
// virtual time of its wake, and that a wake once it runs again does
// nothing.
func TestPark(t *testing.T) {
	var woke time.Duration
	var wake func()
	var again []time.Duration
	err := runActors(func(c *Clock) {
		c.Park(func(w func()) {
			wake = w
			c.AfterFunc(time.Second, w)
		})
		woke = c.Since()
		wake() // stale: does nothing
		c.Park(func(w func()) { c.AfterFunc(time.Second, w) })
		again = append(again, c.Since())
	})
	if err != nil {
		t.Fatal(err)
	}
	if woke != time.Second || !slices.Equal(again, []time.Duration{2 * time.Second}) {
		t.Errorf("woke at %v, then at %v, want 1s, then [2s]", woke, again)
	}
}

// TestParkWokenInArm checks that Park returns at once, keeping the turn,
// when arm wakes the actor.
func TestParkWokenInArm(t *testing.T) {
	var order []string
	err := runActors(
		func(c *Clock) {
			c.Park(func(w func()) { w() })
			order = append(order, "a")
		},
		func(c *Clock) { order = append(order, "b") },
	)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(order, []string{"a", "b"}) {
		t.Errorf("order = %v, want [a b]: a woken in arm keeps its turn", order)
	}
}

// TestParkOrder checks that actors woken at one step run in the order
// they began to wait, whether they wait in Park or in Wait.
func TestParkOrder(t *testing.T) {
	var order []string
	var wakes []func()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	parked := func(name string) func(c *Clock) {
		return func(c *Clock) {
			c.Park(func(w func()) { wakes = append(wakes, w) })
			order = append(order, name)
		}
	}
	waiting := func(name string) func(c *Clock) {
		return func(c *Clock) {
			c.Wait(ctx.Done())
			order = append(order, name)
		}
	}
	err := runActors(parked("p1"), waiting("w1"), parked("p2"), waiting("w2"), func(c *Clock) {
		c.AfterFunc(time.Second, func() {
			wakes[1]() // in reverse order of their waits
			cancel()
			wakes[0]()
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"p1", "w1", "p2", "w2"}; !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
}

// TestParkNeverWoken checks that a run whose actor stays parked with no
// timer left is an error, and that its goroutine ends (goleak checks).
func TestParkNeverWoken(t *testing.T) {
	ended := false
	err := runActors(func(c *Clock) {
		defer func() { ended = true }()
		c.Park(func(func()) {})
	})
	if err == nil || !strings.Contains(err.Error(), "blocked") {
		t.Errorf("run() = %v, want an error saying goroutines are blocked", err)
	}
	if !ended {
		t.Errorf("the parked actor's deferred calls did not run")
	}
}

// TestActorPanic checks that an actor whose function panics or calls
// runtime.Goexit (a t.FailNow in a strategy's Call, say) stops the run:
// run returns a PanicError with the panic's value, no actor runs after
// it, the actors blocked or waiting for their turn (started or not) are
// ended with their deferred calls run, and no goroutine is left (goleak).
func TestActorPanic(t *testing.T) {
	tests := []struct {
		name  string
		exit  func()
		value any
	}{
		{"panic", func() { panic("boom") }, "boom"},
		{"Goexit", runtime.Goexit, panics.Goexit},
	}
	for _, tt := range tests {
		var ran, deferred []string
		err := runActors(
			func(c *Clock) { // parked when the panic comes
				defer func() { deferred = append(deferred, "parked") }()
				c.Park(func(w func()) { c.AfterFunc(time.Second, w) })
				ran = append(ran, "parked")
			},
			func(c *Clock) { c.Go(func() { ran = append(ran, "later") }) },
			func(c *Clock) {
				c.Park(func(w func()) { c.AfterFunc(time.Millisecond, w) })
				for _, name := range []string{"reused", "reused too", "fresh"} {
					c.Go(func() { ran = append(ran, name) }) // waiting for its turn
				}
				tt.exit()
			},
		)
		var pe *PanicError
		if !errors.As(err, &pe) || pe.Value != tt.value {
			t.Errorf("%s: run() = %v, want a PanicError with value %v", tt.name, err, tt.value)
		}
		if want := []string{"later"}; !slices.Equal(ran, want) {
			t.Errorf("%s: ran = %v, want %v", tt.name, ran, want)
		}
		if want := []string{"parked"}; !slices.Equal(deferred, want) {
			t.Errorf("%s: deferred calls run = %v, want %v", tt.name, deferred, want)
		}
		goleak.VerifyNone(t)
	}
}

// TestTimerPanic checks that a panic (or runtime.Goexit) in a function run
// by AfterFunc,
// which runs on the goroutine of an actor giving up its turn (blocking,
// or returning and so idle), stops the run with a PanicError, ends every
// actor, and leaves no goroutine.
func TestTimerPanic(t *testing.T) {
	tests := []struct {
		name  string
		exit  func()
		value any
		actor func(c *Clock)
	}{
		{"panic, blocking", func() { panic("boom") }, "boom", func(c *Clock) { c.Park(func(func()) {}) }},
		{"panic, returning", func() { panic("boom") }, "boom", func(c *Clock) {}},
		{"Goexit, blocking", runtime.Goexit, panics.Goexit, func(c *Clock) { c.Wait(make(chan struct{})) }},
		{"Goexit, returning", runtime.Goexit, panics.Goexit, func(c *Clock) {}},
	}
	for _, tt := range tests {
		err := runActors(func(c *Clock) {
			c.AfterFunc(time.Second, tt.exit)
			c.Go(func() { c.Park(func(w func()) { c.AfterFunc(2*time.Second, w) }) })
			tt.actor(c)
		})
		var pe *PanicError
		if !errors.As(err, &pe) || pe.Value != tt.value {
			t.Errorf("%s: run() = %v, want a PanicError with value %v", tt.name, err, tt.value)
		}
		goleak.VerifyNone(t)
	}
}

// TestAbortDeferredWait checks that an actor ended by an abort (the run
// stopped at a panic, or with actors blocked) whose deferred calls start
// an actor or wait on the clock again (fanout's Hedge joins its attempts
// so) ends all the same: run returns, with its error, the actor is not
// run, and no goroutine is left.
func TestAbortDeferredWait(t *testing.T) {
	tests := []struct {
		name string
		last func(c *Clock)
		want string
	}{
		{"panic", func(c *Clock) { panic("boom") }, "sim: panic: boom"},
		{"blocked", func(c *Clock) {}, "blocked"},
	}
	for _, tt := range tests {
		never := make(chan struct{})
		joined := 0
		join := func(c *Clock) {
			defer func() { // starts an actor and waits again while it is ended
				c.Go(func() { joined++ })
				c.Wait(never)
				c.Park(func(func()) {})
				joined++
			}()
			c.Park(func(func()) {})
		}
		err := runActors(join, join, tt.last)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: run() = %v, want an error containing %q", tt.name, err, tt.want)
		}
		if joined != 0 {
			t.Errorf("%s: %d deferred waits returned, want 0", tt.name, joined)
		}
		goleak.VerifyNone(t)
	}
}

// TestParkSameAsWait checks that the waits the clock is told of (parked)
// give the same runs as the waits it finds by looking at every channel:
// each strategy of each built-in scenario is run once as it is and once
// with its requests' contexts wrapped in a context.WithValue, which
// internal/vclock cannot watch, so that every wait of the dependency, of
// retry's sleeps and of deadline's timeouts is a Wait on a channel. The
// scenarios' incidents are moved from t=30s to t=3s, and the runs cut at
// 4.5s.
func TestParkSameAsWait(t *testing.T) {
	for _, f := range Scenarios() {
		s, sts := f()
		s.Duration = min(s.Duration, 4500*time.Millisecond)
		for i := range s.Dependencies {
			phases := slices.Clone(s.Dependencies[i].Phases)
			for j := range phases {
				phases[j].Start -= 27 * time.Second
			}
			s.Dependencies[i].Phases = phases
		}
		for _, st := range sts {
			parked, err := Run(s, st, 3)
			if err != nil {
				t.Fatal(err)
			}
			waited, err := Run(s, opaque(st), 3)
			if err != nil {
				t.Fatal(err)
			}
			if !sameRun(parked, waited) {
				t.Errorf("%s/%s: parked and waiting runs differ: %+v and %+v", s.Name, st.Name, summary(parked), summary(waited))
			}
		}
	}
}

type opaqueKey struct{}

// opaque is st with each request's context wrapped in a value context.
func opaque(st Strategy) Strategy {
	return Strategy{Name: st.Name, New: func(env *Env) (Call, error) {
		call, err := st.New(env)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			return call(context.WithValue(ctx, opaqueKey{}, true))
		}, nil
	}}
}

// TestScenariosPark checks that the requests of the scenarios whose
// objects wait only through the dependency, retry's sleeps, deadlines and
// Env.All never wait on a channel: they park, so that thousands of them
// blocked in the retry storm's backlog cost nothing while they wait (a
// run of it would take several times as long if they were polled). Each
// scenario is cut 1.5s into its incident, moved to t=3s.
func TestScenariosPark(t *testing.T) {
	for _, f := range []func() (Scenario, []Strategy){RetryStorm, Layers, Brownout} {
		s, sts := f()
		s.Duration = min(s.Duration, 4500*time.Millisecond)
		for i := range s.Dependencies {
			phases := slices.Clone(s.Dependencies[i].Phases)
			for j := range phases {
				phases[j].Start -= 27 * time.Second
			}
			s.Dependencies[i].Phases = phases
		}
		for _, st := range sts {
			var clock *Clock
			spy := Strategy{Name: st.Name, New: func(env *Env) (Call, error) {
				clock = env.Clock()
				return st.New(env)
			}}
			r, err := Run(s, spy, 1)
			if err != nil {
				t.Fatal(err)
			}
			if clock.chanWaits != 0 || r.Requests == 0 {
				t.Errorf("%s/%s: %d waits on a channel in %d requests, want 0", s.Name, st.Name, clock.chanWaits, r.Requests)
			}
		}
	}
}
