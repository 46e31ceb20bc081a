package sim

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func validScenario() Scenario {
	return Scenario{
		Name:         "t",
		Dependencies: []Dependency{{Name: "d", Latency: Fixed(time.Millisecond)}},
		Load:         Load{Rate: 10, Deadline: time.Second},
		Duration:     time.Second,
	}
}

func TestScenarioInvalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Scenario)
		want   string
	}{
		{"no deps", func(s *Scenario) { s.Dependencies = nil }, "no Dependencies"},
		{"rate", func(s *Scenario) { s.Load.Rate = 0 }, "Load.Rate must be > 0 and finite, got 0"},
		{"infinite rate", func(s *Scenario) { s.Load.Rate = math.Inf(1) }, "Load.Rate must be > 0 and finite, got +Inf"},
		{"deadline", func(s *Scenario) { s.Load.Deadline = -1 }, "Load.Deadline must be > 0, got -1ns"},
		{"fanout", func(s *Scenario) { s.Load.FanOut = -2 }, "Load.FanOut must be >= 0, got -2"},
		{"duration", func(s *Scenario) { s.Duration = 0 }, "Duration must be > 0, got 0s"},
		{"burst", func(s *Scenario) { s.Load.Bursts = []Burst{{Duration: 0, Factor: 2}} }, "burst 0"},
		{"infinite burst", func(s *Scenario) { s.Load.Bursts = []Burst{{Duration: time.Second, Factor: math.Inf(1)}} }, "burst 0"},
		{"dep name", func(s *Scenario) { s.Dependencies[0].Name = "" }, "Name must not be empty"},
		{"latency", func(s *Scenario) { s.Dependencies[0].Latency = nil }, `"d": Latency must not be nil`},
		{"error rate", func(s *Scenario) { s.Dependencies[0].ErrorRate = 2 }, "ErrorRate must be in [0, 1], got 2"},
		{"workers", func(s *Scenario) { s.Dependencies[0].Workers = -1 }, "Workers must be >= 0, got -1"},
		{"queue", func(s *Scenario) { s.Dependencies[0].Queue = -1 }, "Queue must be >= 0, got -1"},
		{"phase", func(s *Scenario) { s.Dependencies[0].Phases = []Phase{{Start: 0, Duration: 0}} }, "phase 0"},
		{"NaN slowdown", func(s *Scenario) { s.Dependencies[0].Phases = []Phase{{Duration: time.Second, Slowdown: math.NaN()}} }, "phase 0: Slowdown (finite) and Workers must be >= 0, got NaN"},
		{"infinite slowdown", func(s *Scenario) { s.Dependencies[0].Phases = []Phase{{Duration: time.Second, Slowdown: math.Inf(1)}} }, "phase 0: Slowdown (finite) and Workers must be >= 0, got +Inf"},
		{"twice", func(s *Scenario) { s.Dependencies = append(s.Dependencies, s.Dependencies[0]) }, `two dependencies named "d"`},
	}
	for _, tt := range tests {
		s := validScenario()
		tt.change(&s)
		_, err := Run(s, Plain("p", "d"), 1)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Run() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestStrategyInvalid(t *testing.T) {
	s := validScenario()
	if _, err := Run(s, Strategy{Name: "x"}, 1); err == nil {
		t.Errorf("Run(no New) = nil error, want one")
	}
	nilCall := Strategy{Name: "x", New: func(*Env) (Call, error) { return nil, nil }}
	if _, err := Run(s, nilCall, 1); err == nil {
		t.Errorf("Run(nil Call) = nil error, want one")
	}
	r, err := Run(s, Plain("p", "nope"), 1)
	if err != nil || r.OK != 0 || r.Errors.Dependency != r.Requests {
		t.Errorf("Run(unknown dependency) = %+v, %v, want every request failing", r.Errors, err)
	}
}

// TestStrategyNewFailsAfterGo checks that a strategy whose New starts an
// actor and then fails (or returns a nil Call) leaves no goroutine behind.
func TestStrategyNewFailsAfterGo(t *testing.T) {
	tests := []struct {
		name string
		call Call
		err  error
	}{
		{"error", nil, errors.New("no")},
		{"nil Call", nil, nil},
	}
	for _, tt := range tests {
		ran := false
		st := Strategy{Name: "x", New: func(env *Env) (Call, error) {
			env.Clock().Go(func() { ran = true })
			return tt.call, tt.err
		}}
		if _, err := Run(validScenario(), st, 1); err == nil {
			t.Errorf("%s: Run() = nil error, want one", tt.name)
		}
		if ran {
			t.Errorf("%s: the actor started by New ran, want it ended unrun", tt.name)
		}
		goleak.VerifyNone(t)
	}
}

// TestBlockedOutsideClock checks that a strategy blocking on something
// other than the clock makes Run return an error rather than hang.
func TestBlockedOutsideClock(t *testing.T) {
	s := validScenario()
	never := make(chan struct{})
	st := Strategy{Name: "stuck", New: func(env *Env) (Call, error) {
		return func(ctx context.Context) error {
			env.Clock().Wait(never)
			return nil
		}, nil
	}}
	_, err := Run(s, st, 1)
	if err == nil || !strings.Contains(err.Error(), "blocked") {
		t.Errorf("Run(stuck) = %v, want an error saying goroutines are blocked", err)
	}
}

// TestDependencyQueue checks the server model by hand: one worker, a
// queue of one, calls of 10ms.
func TestDependencyQueue(t *testing.T) {
	s := Scenario{
		Name:         "queue",
		Dependencies: []Dependency{{Name: "d", Latency: Fixed(10 * time.Millisecond), Workers: 1, Queue: 1}},
		Load:         Load{Rate: 1, Deadline: time.Second, FanOut: 3},
		Duration:     10 * time.Second,
	}
	var errs []error
	var lat []time.Duration
	st := Strategy{Name: "record", New: func(env *Env) (Call, error) {
		d := env.Dependency("d")
		return func(ctx context.Context) error {
			start := env.Clock().Since()
			err := d(ctx)
			errs = append(errs, err)
			lat = append(lat, env.Clock().Since()-start)
			return err
		}, nil
	}}
	if _, err := Run(s, st, 3); err != nil {
		t.Fatal(err)
	}
	// Each request fans out to 3 calls: one served (10ms), one queued
	// (20ms), one refused at once; they return in the reverse order.
	for i := 0; i+3 <= len(errs); i += 3 {
		if errs[i] != ErrOverloaded || errs[i+1] != nil || errs[i+2] != nil {
			t.Fatalf("calls %d..%d = %v, want ErrOverloaded, nil, nil (in order of return)", i, i+2, errs[i:i+3])
		}
		if lat[i] != 0 || lat[i+1] != 10*time.Millisecond || lat[i+2] != 20*time.Millisecond {
			t.Fatalf("latencies %d..%d = %v, want 0, 10ms, 20ms (in order of return)", i, i+2, lat[i:i+3])
		}
	}
	if len(errs) == 0 {
		t.Fatal("no request arrived")
	}
}

func TestLatencies(t *testing.T) {
	obs, err := Observed([]time.Duration{time.Millisecond, 3 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hist, err := Histogram([]Bucket{{Le: 10 * time.Millisecond, Count: 90}, {Le: 100 * time.Millisecond, Count: 10}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		l      Latency
		lo, hi time.Duration // the median's bounds
	}{
		{Fixed(5 * time.Millisecond), 5 * time.Millisecond, 5 * time.Millisecond},
		{Exponential(10 * time.Millisecond), 6 * time.Millisecond, 8 * time.Millisecond}, // ln 2 * mean
		{LogNormal(10*time.Millisecond, 0.5), 9 * time.Millisecond, 11 * time.Millisecond},
		{HeavyTail(Fixed(time.Millisecond), 0.01, Fixed(time.Second)), time.Millisecond, time.Millisecond},
		{obs, time.Millisecond, 3 * time.Millisecond},
		{hist, 4 * time.Millisecond, 7 * time.Millisecond},
	}
	for _, tt := range tests {
		if got, err := Quantile(tt.l, 0.5, 20000, 1); err != nil || got < tt.lo || got > tt.hi {
			t.Errorf("Quantile(%v, 0.5) = %v, %v, want in [%v, %v]", tt.l, got, err, tt.lo, tt.hi)
		}
	}
	if got, err := Quantile(HeavyTail(Fixed(time.Millisecond), 0.01, Fixed(time.Second)), 0.995, 20000, 1); err != nil || got != time.Second {
		t.Errorf("HeavyTail p99.5 = %v, %v, want 1s", got, err)
	}
	if _, err := Observed(nil); err == nil {
		t.Errorf("Observed(nil) = nil error, want one")
	}
	if _, err := Observed([]time.Duration{-1}); err == nil {
		t.Errorf("Observed(-1) = nil error, want one")
	}
	if _, err := Histogram([]Bucket{{Le: 2}, {Le: 1, Count: 1}}); err == nil {
		t.Errorf("Histogram(decreasing) = nil error, want one")
	}
	if _, err := Histogram([]Bucket{{Le: 2}}); err == nil {
		t.Errorf("Histogram(empty) = nil error, want one")
	}
}

// TestQuantileInvalid checks that Quantile names a bad argument rather
// than panic or pick a value of its own.
func TestQuantileInvalid(t *testing.T) {
	fixed := Fixed(time.Millisecond)
	tests := []struct {
		l    Latency
		q    float64
		n    int
		want string
	}{
		{nil, 0.5, 10, "Latency"},
		{fixed, 0, 10, "q must be in (0, 1), got 0"},
		{fixed, -0.5, 10, "q must be in (0, 1), got -0.5"},
		{fixed, 1, 10, "q must be in (0, 1), got 1"},
		{fixed, math.NaN(), 10, "q must be in (0, 1), got NaN"},
		{fixed, 0.5, 0, "n must be >= 1, got 0"},
	}
	for _, tt := range tests {
		got, err := Quantile(tt.l, tt.q, tt.n, 1)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Quantile(%v, %v, %d) = %v, %v, want an error containing %q", tt.l, tt.q, tt.n, got, err, tt.want)
		}
	}
}

// TestBursts checks that a burst multiplies the arrivals.
func TestBursts(t *testing.T) {
	s := validScenario()
	s.Load.Rate, s.Duration = 100, 20*time.Second
	s.Load.Bursts = []Burst{{Start: 10 * time.Second, Duration: 10 * time.Second, Factor: 3}}
	r, err := Run(s, Plain("p", "d"), 1)
	if err != nil {
		t.Fatal(err)
	}
	before, during := r.Between(0, 10*time.Second), r.Between(10*time.Second, 20*time.Second)
	if ratio := float64(during.Requests) / float64(before.Requests); ratio < 2.7 || ratio > 3.3 {
		t.Errorf("arrivals in the burst / before = %d / %d = %.2f, want about 3", during.Requests, before.Requests, ratio)
	}
}

// TestSVG checks the chart's shape: one polyline per result per chart.
func TestSVG(t *testing.T) {
	s, sts := Hedging()
	s.Duration = 3 * time.Second
	rs, err := Compare(s, 1, sts...)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteSVG(&b, rs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "<svg") || !strings.HasSuffix(out, "</svg>\n") || strings.Count(out, "<polyline") != 4 {
		t.Errorf("WriteSVG: want an svg with 4 polylines, got %d", strings.Count(out, "<polyline"))
	}
	for _, want := range []string{"no hedge", "hedge at p95", "goodput", "p99"} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteSVG: missing %q", want)
		}
	}
}
