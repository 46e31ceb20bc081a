package sim

import (
	"context"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// The built-in scenarios reproduce known results with parameters fixed in
// advance; each has a test that asserts its result (see sim_test.go) and a
// sub-benchmark in BenchmarkScenarios.

// RetryStorm is the metastable failure of Bronson et al. (HotOS 2021): a
// dependency of capacity 1,000 calls a second (20 workers, exponential
// service time of mean 20ms, unbounded queue) offered 800 requests a second
// (deadline 1s) for 120s, with a 10s outage at t=30s in which every call
// fails after its service time. Its strategies: 3 attempts with a fixed
// 50ms backoff and no budget, the same with a retry budget (20% + 10/s), and
// no retry at all; then the same two with a timeout of 300ms per attempt, so
// that an attempt stuck in the backlog is retried (the storm of the paper,
// where timeouts cause retries).
func RetryStorm() (Scenario, []Strategy) {
	s := Scenario{
		Name: "retry-storm",
		Dependencies: []Dependency{{
			Name:    "db",
			Latency: Exponential(20 * time.Millisecond),
			Workers: 20,
			Phases:  []Phase{Outage(30*time.Second, 10*time.Second)},
		}},
		Load:     Load{Rate: 800, Deadline: time.Second},
		Duration: 120 * time.Second,
	}
	return s, []Strategy{
		Retries("3 attempts", "db", 3, fixed50, 0, false),
		Retries("3 attempts + budget", "db", 3, fixed50, 0, true),
		Retries("no retry", "db", 1, fixed50, 0, false),
		Retries("3 x 300ms attempts", "db", 3, fixed50, 300*time.Millisecond, false),
		Retries("3 x 300ms attempts + budget", "db", 3, fixed50, 300*time.Millisecond, true),
	}
}

var fixed50 = retry.Constant(50 * time.Millisecond)

// Retries is a strategy calling dependency dep through a retry.Policy of
// attempts attempts with strategy s, a timeout of perAttempt for each
// attempt if it is > 0, and a retry.Budget (20% of calls + 10 a second, the
// defaults) if budget is set.
func Retries(name, dep string, attempts int, s retry.Strategy, perAttempt time.Duration, budget bool) Strategy {
	return Strategy{Name: name, New: func(env *Env) (Call, error) {
		opts := []retry.Option{
			retry.WithMaxAttempts(attempts), retry.WithStrategy(s),
			retry.WithRand(env.Rand()), retry.WithClock(env.Clock()),
		}
		if perAttempt > 0 {
			opts = append(opts, retry.WithAttemptTimeout(perAttempt))
		}
		if budget {
			b, err := retry.NewBudget(retry.WithClock(env.Clock()))
			if err != nil {
				return nil, err
			}
			opts = append(opts, retry.WithBudget(b))
		}
		p, err := retry.New(opts...)
		if err != nil {
			return nil, err
		}
		call := env.Dependency(dep)
		return func(ctx context.Context) error { return p.Do(ctx, call) }, nil
	}}
}

// Layers is a chain of three services during an outage of the bottom one:
// every call to the bottom fails (after 1ms); 200 requests a second for
// 20s, deadline 2s. Its strategies retry (3 attempts, 10ms between them)
// at every layer, or only at the top.
func Layers() (Scenario, []Strategy) {
	s := Scenario{
		Name: "layers",
		Dependencies: []Dependency{{
			Name: "bottom", Latency: Fixed(time.Millisecond), ErrorRate: 1,
		}},
		Load:     Load{Rate: 200, Deadline: 2 * time.Second},
		Duration: 20 * time.Second,
	}
	return s, []Strategy{chain("retry at every layer", 3, true), chain("retry at the top", 3, false)}
}

// chain is a strategy of depth layers above "bottom", each calling the one
// below through its own retry.Policy (3 attempts, 10ms apart) if every is
// set, or only the top one if not.
func chain(name string, depth int, every bool) Strategy {
	return Strategy{Name: name, New: func(env *Env) (Call, error) {
		retrying, err := retry.New(retry.WithMaxAttempts(3), retry.WithStrategy(retry.Constant(10*time.Millisecond)), retry.WithClock(env.Clock()))
		if err != nil {
			return nil, err
		}
		call := env.Dependency("bottom")
		for i := range depth {
			if every || i == depth-1 {
				call = Layer(retrying, call)
			}
		}
		return call, nil
	}}
}

// Layer is a service that handles a call by calling next through p.
func Layer(p *retry.Policy, next Call) Call {
	return func(ctx context.Context) error { return p.Do(ctx, next) }
}

// Hedging is "The Tail at Scale" (Dean and Barroso): a dependency whose
// calls take 10ms at the median (log-normal, sigma 0.25) and 1s for 1% of
// them, with no capacity limit; 500 requests a second for 60s, deadline 2s.
// Its strategies: a plain call, and fanout.Hedge with its backup call at
// the 95th percentile of the latency.
func Hedging() (Scenario, []Strategy) {
	lat := HeavyTail(LogNormal(10*time.Millisecond, 0.25), 0.01, Fixed(time.Second))
	s := Scenario{
		Name:         "hedging",
		Dependencies: []Dependency{{Name: "shard", Latency: lat}},
		Load:         Load{Rate: 500, Deadline: 2 * time.Second},
		Duration:     60 * time.Second,
	}
	p95 := sampleQuantile(lat, 0.95, 100_000, 1)
	return s, []Strategy{Plain("no hedge", "shard"), Hedge("hedge at p95", "shard", p95)}
}

// Plain is a strategy calling dependency dep once, with no protection.
func Plain(name, dep string) Strategy {
	return Strategy{Name: name, New: func(env *Env) (Call, error) {
		return env.Dependency(dep), nil
	}}
}

// Hedge is a strategy calling dependency dep through fanout.Hedge with a
// backup call after delay.
func Hedge(name, dep string, delay time.Duration) Strategy {
	return Strategy{Name: name, New: func(env *Env) (Call, error) {
		call := env.Dependency(dep)
		clock := fanout.WithClock(env.Clock())
		return func(ctx context.Context) error {
			_, err := fanout.Hedge(ctx, func(ctx context.Context) (struct{}, error) {
				return struct{}{}, call(ctx)
			}, delay, clock)
			return err
		}, nil
	}}
}

// Brownout is a request that calls two dependencies at once, "a" and "b"
// (10ms median each, log-normal, sigma 0.25), and answers with a partial
// result when b fails; each call to b has a 500ms timeout. From t=30s for
// 30s, b hangs: every call to it times out. 200 requests a second for 90s,
// deadline 1s. Its strategies call b directly or through a breaker.Breaker
// (5 failures in a row open it for 5s, the breaker's defaults otherwise).
func Brownout() (Scenario, []Strategy) {
	lat := LogNormal(10*time.Millisecond, 0.25)
	s := Scenario{
		Name: "brownout",
		Dependencies: []Dependency{
			{Name: "a", Latency: lat},
			{Name: "b", Latency: lat, Phases: []Phase{Slow(30*time.Second, 30*time.Second, Fixed(time.Minute))}},
		},
		Load:     Load{Rate: 200, Deadline: time.Second},
		Duration: 90 * time.Second,
	}
	return s, []Strategy{partial("no breaker", false), partial("breaker on b", true)}
}

// partial is the strategy of Brownout.
func partial(name string, withBreaker bool) Strategy {
	return Strategy{Name: name, New: func(env *Env) (Call, error) {
		a, b := env.Dependency("a"), env.Dependency("b")
		callB := func(ctx context.Context) error {
			ctx, cancel := env.WithTimeout(ctx, 500*time.Millisecond)
			defer cancel()
			return b(ctx)
		}
		if withBreaker {
			br, err := breaker.New(breaker.WithOpenDuration(5*time.Second), breaker.WithClock(env.Clock()))
			if err != nil {
				return nil, err
			}
			callB = Breaker(br, callB)
		}
		return func(ctx context.Context) error {
			errs := env.All(ctx, a, callB)
			return errs[0] // b's failure leaves a partial answer
		}, nil
	}}
}

// Breaker returns call guarded by br.
func Breaker(br *breaker.Breaker, call Call) Call {
	return func(ctx context.Context) error { return br.Do(ctx, call) }
}

// Scenarios returns the built-in scenarios (except [Jitter], a calculation
// of its own), each as a function returning the scenario and its
// strategies: [RetryStorm], [Layers], [Hedging], [Brownout], [Overload].
func Scenarios() []func() (Scenario, []Strategy) {
	return []func() (Scenario, []Strategy){RetryStorm, Layers, Hedging, Brownout, Overload}
}

// Overload offers twice a dependency's capacity: 10 workers, service time
// log-normal with a 10ms median (sigma 0.25), so about 970 calls a second;
// 2,000 requests a second for 60s, each with a deadline of 50ms (5 times
// the unloaded median). The strategies put a client-side limiter in front
// of it: none, a fixed limit.Bulkhead of 100 (10 times the knee, the
// worker count), and the adaptive limit.NewVegas and limit.NewAIMD with
// their defaults. A limiter rejects at once what it does not admit.
func Overload() (Scenario, []Strategy) {
	s := Scenario{
		Name:         "overload",
		Dependencies: []Dependency{{Name: "svc", Latency: LogNormal(10*time.Millisecond, 0.25), Workers: 10}},
		Load:         Load{Rate: 2000, Deadline: 50 * time.Millisecond},
		Duration:     60 * time.Second,
	}
	return s, []Strategy{
		Plain("no limit", "svc"),
		Limited("fixed limit 100", "svc", func(c limit.Clock) (Limiter, error) {
			return limit.NewBulkhead(100, limit.WithClock(c))
		}),
		Limited("adaptive (Vegas)", "svc", func(c limit.Clock) (Limiter, error) {
			return limit.NewVegas(limit.WithClock(c))
		}),
		Limited("adaptive (AIMD)", "svc", func(c limit.Clock) (Limiter, error) {
			return limit.NewAIMD(limit.WithClock(c))
		}),
	}
}

// Limiter is what [Limited] needs of a limiter: the Do of limit.Bulkhead
// and limit.Adaptive.
type Limiter interface {
	Do(ctx context.Context, fn func(context.Context) error) error
}

// Limited is a strategy calling dependency dep through the limiter that
// newLimiter builds on the run's clock.
func Limited(name, dep string, newLimiter func(limit.Clock) (Limiter, error)) Strategy {
	return Strategy{Name: name, New: func(env *Env) (Call, error) {
		l, err := newLimiter(env.Clock())
		if err != nil {
			return nil, err
		}
		call := env.Dependency(dep)
		return func(ctx context.Context) error { return l.Do(ctx, call) }, nil
	}}
}
