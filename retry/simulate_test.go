package retry

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestSimulateOrdering asserts the shape of the AWS article's result: no
// jitter costs by far the most calls and the most time; full and decorrelated
// jitter cost the fewest calls, fewer than equal jitter. Each figure is the
// mean over simSeeds seeds (see bench_test.go).
func TestSimulateOrdering(t *testing.T) {
	for _, clients := range []int{10, 50, 100} {
		m := make(map[string]simMean)
		for _, tt := range benchStrategies {
			r, err := simulateMean(clients, tt.s)
			if err != nil {
				t.Fatal(err)
			}
			m[tt.name] = r
		}
		none, full, equal, decorr := m["Exponential"], m["FullJitter"], m["EqualJitter"], m["Decorrelated"]
		for _, name := range []string{"FullJitter", "EqualJitter", "Decorrelated"} {
			if none.calls < 2*m[name].calls || none.completion < 2*m[name].completion {
				t.Errorf("clients=%d: Exponential %+v, %s %+v: want no jitter at least twice as costly in calls and time",
					clients, none, name, m[name])
			}
		}
		if full.calls >= equal.calls || decorr.calls >= equal.calls {
			t.Errorf("clients=%d: calls FullJitter %.1f, Decorrelated %.1f, EqualJitter %.1f: want full and decorrelated below equal",
				clients, full.calls, decorr.calls, equal.calls)
		}
	}
}

// TestSimulateLockstep checks the model on a case worked by hand: without
// jitter the clients retry together, one wins each round, so n clients make
// n+(n-1)+...+1 calls.
func TestSimulateLockstep(t *testing.T) {
	tests := []struct {
		clients    int
		s          Strategy
		calls      int
		completion time.Duration
	}{
		{1, FullJitter(time.Second, time.Second), 1, time.Millisecond},
		{3, Constant(10 * time.Millisecond), 6, 23 * time.Millisecond},               // rounds at 0, 11ms, 22ms
		{3, Exponential(10*time.Millisecond, time.Second), 6, 33 * time.Millisecond}, // 0, 11ms, 11+1+20 = 32ms
		{100, Exponential(time.Millisecond, time.Second), 5050, 0},
	}
	for _, tt := range tests {
		r, err := Simulate(SimConfig{Clients: tt.clients, Strategy: tt.s, Slot: time.Millisecond, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if r.Calls != tt.calls || tt.completion != 0 && r.Completion != tt.completion {
			t.Errorf("Simulate(%d, %v) = %+v, want %d calls, completion %v", tt.clients, tt.s, r, tt.calls, tt.completion)
		}
	}
}

func TestSimulateDeterministic(t *testing.T) {
	cfg := SimConfig{Clients: 50, Strategy: Decorrelated(5*time.Millisecond, time.Second), Slot: time.Millisecond, Seed: 7}
	a, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if b, _ := Simulate(cfg); b != a {
			t.Fatalf("Simulate() = %+v then %+v, want equal", a, b)
		}
	}
	cfg.Seed++
	if b, _ := Simulate(cfg); b == a {
		t.Errorf("Simulate() = %+v for seeds 7 and 8, want different runs", a)
	}
}

func TestSimulateBadConfig(t *testing.T) {
	tests := []struct {
		cfg  SimConfig
		want string
	}{
		{SimConfig{Clients: 0, Slot: 1}, "retry: Simulate: Clients must be between 1 and 1000000, got 0"},
		{SimConfig{Clients: 1 << 62, Slot: 1}, "got 4611686018427387904"}, // would not fit in memory
		// Lockstep retries 2^n hours apart pass 292 years by the 22nd round.
		{SimConfig{Clients: 30, Slot: 1, Strategy: Exponential(time.Hour, math.MaxInt64)}, "retry: Simulate: virtual time passed"},
		{SimConfig{Clients: 2, Slot: math.MaxInt64}, "retry: Simulate: virtual time passed"},
		{SimConfig{Clients: 1, Slot: 0}, "retry: Simulate: Slot must be > 0, got 0s"},
		{SimConfig{Clients: 1, Slot: 1, Strategy: Constant(0)}, "retry: Simulate: Constant: delay must be > 0, got 0s"},
	}
	for _, tt := range tests {
		if _, err := Simulate(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Simulate(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}
