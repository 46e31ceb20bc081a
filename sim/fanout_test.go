package sim

import (
	"context"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
)

// TestFanoutOnClock runs fanout's calls as a strategy on the run's clock:
// each request fans out to three calls of a dependency that takes 100ms,
// under a 30ms task timeout. On the virtual clock every call ends at its
// timeout, so every request takes exactly 30ms and fails as a timeout; a
// timeout on package time would let the virtual clock run past it, and
// the requests would take the dependency's 100ms.
func TestFanoutOnClock(t *testing.T) {
	const (
		latency = 100 * time.Millisecond
		timeout = 30 * time.Millisecond
	)
	s := Scenario{
		Name:         "fanout",
		Dependencies: []Dependency{{Name: "shard", Latency: Fixed(latency)}},
		Load:         Load{Rate: 200, Deadline: time.Second},
		Duration:     10 * time.Second,
	}
	shards := []int{1, 2, 3}
	calls := map[string]func(env *Env, ctx context.Context) error{
		"Map": func(env *Env, ctx context.Context) error {
			_, err := fanout.Map(ctx, shards, func(ctx context.Context, _ int) (struct{}, error) {
				return struct{}{}, env.Dependency("shard")(ctx)
			}, fanout.WithClock(env.Clock()), fanout.WithTaskTimeout(timeout))
			return err
		},
		"ForEach": func(env *Env, ctx context.Context) error {
			return fanout.ForEach(ctx, shards, func(ctx context.Context, _ int) error {
				return env.Dependency("shard")(ctx)
			}, fanout.WithClock(env.Clock()), fanout.WithTaskTimeout(timeout))
		},
		"Group": func(env *Env, ctx context.Context) error {
			g, _, err := fanout.New(ctx, fanout.WithClock(env.Clock()), fanout.WithTaskTimeout(timeout))
			if err != nil {
				return err
			}
			for range shards {
				g.Go(env.Dependency("shard"))
			}
			return g.Wait()
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			st := Strategy{Name: name, New: func(env *Env) (Call, error) {
				return func(ctx context.Context) error { return call(env, ctx) }, nil
			}}
			r, err := Run(s, st, 1)
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
			if r.P50 != timeout || r.P999 != timeout {
				t.Errorf("p50, p99.9 = %v, %v, want %v: the task timeout on the virtual clock", r.P50, r.P999, timeout)
			}
			if r.OK != 0 || r.Errors.Timeout != r.Requests {
				t.Errorf("%d answered, %d timeouts of %d requests, want every request a timeout", r.OK, r.Errors.Timeout, r.Requests)
			}
			if r.Amplification != float64(len(shards)) {
				t.Errorf("calls per request = %v, want %d", r.Amplification, len(shards))
			}
		})
	}
}
