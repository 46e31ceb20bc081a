package sim

import (
	"context"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/limit"
)

// TestThrottleRepeats: a limit.Throttle drawing from the run's source
// (limit.WithThrottleRand) makes a run that is a function of its seed,
// through an outage in which it rejects calls.
func TestThrottleRepeats(t *testing.T) {
	s := Scenario{
		Name: "throttle",
		Dependencies: []Dependency{{
			Name: "svc", Latency: Exponential(10 * time.Millisecond),
			Phases: []Phase{Outage(2*time.Second, 3*time.Second)},
		}},
		Load:     Load{Rate: 300, Deadline: time.Second},
		Duration: 8 * time.Second,
	}
	st := Strategy{Name: "throttle", New: func(env *Env) (Call, error) {
		th, err := limit.NewThrottle(limit.WithClock(env.Clock()), limit.WithThrottleRand(env.Rand()),
			limit.WithThrottleWindow(2*time.Second), limit.WithIsOverload(func(err error) bool { return err != nil }))
		if err != nil {
			return nil, err
		}
		call := env.Dependency("svc")
		return func(ctx context.Context) error { return th.Do(ctx, call) }, nil
	}}
	a, err := Run(s, st, 3)
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	b, _ := Run(s, st, 3)
	if a.Errors.Rejected == 0 {
		t.Fatalf("the throttle rejected nothing in the outage (errors %+v)", a.Errors)
	}
	if !sameRun(a, b) {
		t.Errorf("two runs with seed 3 differ: %d and %d rejected", a.Errors.Rejected, b.Errors.Rejected)
	}
}
