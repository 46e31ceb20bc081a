package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/internal/vclock"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// The simulator's clock satisfies every package's Clock.
var (
	_ retry.Clock    = (*Clock)(nil)
	_ breaker.Clock  = (*Clock)(nil)
	_ fanout.Clock   = (*Clock)(nil)
	_ limit.Clock    = (*Clock)(nil)
	_ deadline.Clock = (*Clock)(nil)
)

// Call is one call: of a dependency ([Env.Dependency]) or of a request
// through a strategy (what [Strategy.New] returns).
type Call func(ctx context.Context) error

// Strategy is a way of calling the dependencies, built of holdfast's real
// objects. New is called once per run, so that each run starts with fresh
// state (a closed breaker, a full budget): it builds the objects on env's
// clock and returns the Call that each request makes.
type Strategy struct {
	Name string
	New  func(env *Env) (Call, error)
}

// ErrRejected is for a strategy's own refusals (a load shedder, a limiter
// without an error of its own); a request that fails with an error
// matching it counts as rejected, as [breaker.ErrOpen] does.
var ErrRejected = errors.New("sim: rejected")

// Env is what a strategy is built on: the run's clock, a random source for
// its jitter, and the dependencies.
type Env struct {
	clock   *Clock
	src     *rand.PCG
	servers []*server
}

// Clock returns the run's virtual clock: pass it to the packages'
// WithClock options (retry.WithClock, breaker.WithClock, fanout.WithClock).
func (e *Env) Clock() *Clock { return e.clock }

// Rand returns a random source for the strategy's jitter
// (retry.WithRand), seeded from the run's seed. A run's actors take turns,
// so the source needs no lock.
func (e *Env) Rand() rand.Source { return e.src }

// Dependency returns the Call of the named dependency. An unknown name
// gives a Call that fails with an error naming it.
func (e *Env) Dependency(name string) Call {
	for _, s := range e.servers {
		if s.dep.Name == name {
			return s.call
		}
	}
	err := fmt.Errorf("sim: no dependency named %q", name)
	return func(context.Context) error { return err }
}

// WithTimeout is [context.WithTimeout] on the run's clock: the child's
// deadline is virtual and a virtual timer ends it.
func (e *Env) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return vclock.WithTimeout(ctx, e.clock, d)
}

// All runs the calls at once, each on an actor of the clock, and returns
// their errors, in order, once all have returned.
func (e *Env) All(ctx context.Context, calls ...Call) []error {
	errs := make([]error, len(calls))
	if len(calls) == 0 {
		return errs
	}
	left := len(calls)
	e.clock.Park(func(wake func()) {
		for i, c := range calls {
			e.clock.Go(func() {
				errs[i] = c(ctx)
				if left--; left == 0 {
					wake()
				}
			})
		}
	})
	return errs
}
