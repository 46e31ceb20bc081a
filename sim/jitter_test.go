package sim

import (
	"github.com/holdfast-go/holdfast/retry"
	"math"
	"strings"
	"testing"
	"time"
)

// TestJitterOrdering asserts the shape of the AWS article's result: no
// jitter costs by far the most calls and the most time; full and decorrelated
// jitter cost the fewest calls, fewer than equal jitter. Each figure is the
// mean over simSeeds seeds (see bench_test.go).
func TestJitterOrdering(t *testing.T) {
	for _, clients := range []int{10, 50, 100} {
		m := make(map[string]jitterMean)
		for _, tt := range jitterStrategies {
			r, err := jitterMeanOf(clients, tt.s)
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

// TestJitterLockstep checks the model on a case worked by hand: without
// jitter the clients retry together, one wins each round, so n clients make
// n+(n-1)+...+1 calls.
func TestJitterLockstep(t *testing.T) {
	tests := []struct {
		clients    int
		s          retry.Strategy
		calls      int
		completion time.Duration
	}{
		{1, retry.FullJitter(time.Second, time.Second), 1, time.Millisecond},
		{3, retry.Constant(10 * time.Millisecond), 6, 23 * time.Millisecond},               // rounds at 0, 11ms, 22ms
		{3, retry.Exponential(10*time.Millisecond, time.Second), 6, 33 * time.Millisecond}, // 0, 11ms, 11+1+20 = 32ms
		{100, retry.Exponential(time.Millisecond, time.Second), 5050, 0},
	}
	for _, tt := range tests {
		r, err := Jitter(JitterConfig{Clients: tt.clients, Strategy: tt.s, Slot: time.Millisecond, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if r.Calls != tt.calls || tt.completion != 0 && r.Completion != tt.completion {
			t.Errorf("Jitter(%d, %v) = %+v, want %d calls, completion %v", tt.clients, tt.s, r, tt.calls, tt.completion)
		}
	}
}

func TestJitterDeterministic(t *testing.T) {
	cfg := JitterConfig{Clients: 50, Strategy: retry.Decorrelated(5*time.Millisecond, time.Second), Slot: time.Millisecond, Seed: 7}
	a, err := Jitter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if b, _ := Jitter(cfg); b != a {
			t.Fatalf("Jitter() = %+v then %+v, want equal", a, b)
		}
	}
	cfg.Seed++
	if b, _ := Jitter(cfg); b == a {
		t.Errorf("Jitter() = %+v for seeds 7 and 8, want different runs", a)
	}
}

func TestJitterBadConfig(t *testing.T) {
	tests := []struct {
		cfg  JitterConfig
		want string
	}{
		{JitterConfig{Clients: 0, Slot: 1}, "sim: Jitter: Clients must be between 1 and 1000000, got 0"},
		{JitterConfig{Clients: 1 << 62, Slot: 1}, "got 4611686018427387904"}, // would not fit in memory
		// Lockstep retries 2^n hours apart pass 292 years by the 22nd round.
		{JitterConfig{Clients: 30, Slot: 1, Strategy: retry.Exponential(time.Hour, math.MaxInt64)}, "sim: Jitter: virtual time passed"},
		{JitterConfig{Clients: 2, Slot: math.MaxInt64}, "sim: Jitter: virtual time passed"},
		{JitterConfig{Clients: 1, Slot: 0}, "sim: Jitter: Slot must be > 0, got 0s"},
		{JitterConfig{Clients: 1, Slot: 1, Strategy: retry.Constant(0)}, "sim: Jitter: retry: Constant: delay must be > 0, got 0s"},
	}
	for _, tt := range tests {
		if _, err := Jitter(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Jitter(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

// jitterSeeds is how many seeds each Jitter result is averaged over.
const jitterSeeds = 10

var jitterStrategies = []struct {
	name string
	s    retry.Strategy
}{
	{"Exponential", retry.Exponential(10*time.Millisecond, time.Second)},
	{"FullJitter", retry.FullJitter(10*time.Millisecond, time.Second)},
	{"EqualJitter", retry.EqualJitter(10*time.Millisecond, time.Second)},
	{"Decorrelated", retry.Decorrelated(10*time.Millisecond, time.Second)},
	{"Constant", retry.Constant(10 * time.Millisecond)},
}

type jitterMean struct {
	calls      float64
	completion time.Duration
}

// jitterMeanOf averages Jitter over jitterSeeds seeds.
func jitterMeanOf(clients int, s retry.Strategy) (jitterMean, error) {
	var m jitterMean
	for seed := range uint64(jitterSeeds) {
		r, err := Jitter(JitterConfig{Clients: clients, Strategy: s, Slot: time.Millisecond, Seed: seed})
		if err != nil {
			return jitterMean{}, err
		}
		m.calls += float64(r.Calls) / jitterSeeds
		m.completion += r.Completion / jitterSeeds
	}
	return m, nil
}
