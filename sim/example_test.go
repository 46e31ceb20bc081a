package sim_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/holdfast-go/holdfast/retry"
	"github.com/holdfast-go/holdfast/sim"
)

// A retry policy built on the run's clock, against a dependency that fails
// one call in ten: 3 attempts turn 10% errors into about 0.1%, for 11% more
// calls.
func ExampleRun() {
	s := sim.Scenario{
		Name: "flaky",
		Dependencies: []sim.Dependency{{
			Name: "db", Latency: sim.LogNormal(5*time.Millisecond, 0.3), ErrorRate: 0.1,
		}},
		Load:     sim.Load{Rate: 100, Deadline: time.Second},
		Duration: 60 * time.Second,
	}
	retrying := sim.Strategy{Name: "3 attempts", New: func(env *sim.Env) (sim.Call, error) {
		p, err := retry.New(retry.WithMaxAttempts(3), retry.WithStrategy(retry.FullJitter(10*time.Millisecond, time.Second)),
			retry.WithRand(env.Rand()), retry.WithClock(env.Clock()))
		if err != nil {
			return nil, err
		}
		db := env.Dependency("db")
		return func(ctx context.Context) error { return p.Do(ctx, db) }, nil
	}}
	r, err := sim.Run(s, retrying, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d requests, %d failed, %.2f calls per request\n", r.Requests, r.Requests-r.OK, r.Amplification)
	// Output:
	// 5996 requests, 6 failed, 1.11 calls per request
}

// Retries at every layer of a chain multiply: 3 attempts at each of 3
// layers make 27 calls at the bottom per request while it is down.
func ExampleCompare() {
	s, strategies := sim.Layers()
	rs, err := sim.Compare(s, 1, strategies...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rs {
		fmt.Printf("%-20s %5.2f calls per request\n", r.Strategy, r.Amplification)
	}
	// Output:
	// retry at every layer 27.00 calls per request
	// retry at the top      3.00 calls per request
}

// WriteTable prints one row per strategy.
func ExampleWriteTable() {
	s, strategies := sim.Hedging()
	s.Duration = 10 * time.Second
	rs, err := sim.Compare(s, 1, strategies...)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := sim.WriteTable(os.Stdout, rs); err != nil {
		fmt.Println(err)
	}
	// Output:
	// strategy      goodput/s  of offered  calls/req  p50     p99     p99.9   timeout  rejected  budget  dep error  recovery
	// no hedge      503        100.0%      1.00       10.1ms  28ms    1s      0        0         0       0          -
	// hedge at p95  508        100.0%      1.05       10ms    22.5ms  30.2ms  0        0         0       0          -
}

// The contention simulation of the AWS article "Exponential Backoff And
// Jitter": 50 clients write to one resource at once, and attempts in the
// same millisecond collide.
func ExampleJitter() {
	for _, s := range []retry.Strategy{
		retry.Exponential(10*time.Millisecond, time.Second),
		retry.EqualJitter(10*time.Millisecond, time.Second),
		retry.FullJitter(10*time.Millisecond, time.Second),
		retry.Decorrelated(10*time.Millisecond, time.Second),
	} {
		r, err := sim.Jitter(sim.JitterConfig{Clients: 50, Strategy: s, Slot: time.Millisecond, Seed: 1})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-23v %5d calls, done at %v\n", s, r.Calls, r.Completion.Round(time.Millisecond))
	}
	// Output:
	// Exponential(10ms, 1s)    1275 calls, done at 43.32s
	// EqualJitter(10ms, 1s)     190 calls, done at 240ms
	// FullJitter(10ms, 1s)      180 calls, done at 189ms
	// Decorrelated(10ms, 1s)    139 calls, done at 184ms
}
