package sim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Scenario is what a run simulates: the dependencies and the load of the
// callers. The strategies are given to [Run] and [Compare] separately, so
// that one scenario compares several.
type Scenario struct {
	// Name names the scenario in tables and benchmarks.
	Name string
	// Dependencies are the services the requests call, through
	// [Env.Dependency].
	Dependencies []Dependency
	// Load is the callers' model.
	Load Load
	// Duration is how long requests arrive; the run goes on until every
	// request has ended.
	Duration time.Duration
	// Bucket is the width of the time series (default 1s).
	Bucket time.Duration
}

// Load is the model of the callers: open-loop arrivals (they do not wait
// for earlier requests, as users do not), each request with its deadline,
// optionally fanning out to several calls.
type Load struct {
	// Rate is the mean number of requests a second; arrivals are a Poisson
	// process (exponential gaps).
	Rate float64
	// Bursts multiply the rate for a while.
	Bursts []Burst
	// Deadline is each request's deadline, from its arrival: its context
	// ends then (on the virtual clock), and an answer after it is a
	// timeout.
	Deadline time.Duration
	// FanOut is how many times a request runs the strategy's [Call] at once
	// (a request fanning out to k shards); it succeeds only if all do.
	// 0 means 1.
	FanOut int
}

// Burst multiplies the arrival rate by Factor from Start to Start+Duration.
type Burst struct {
	Start, Duration time.Duration
	Factor          float64
}

// rate returns the arrival rate at virtual time t.
func (l *Load) rate(t time.Duration) float64 {
	r := l.Rate
	for _, b := range l.Bursts {
		if t >= b.Start && t < b.Start+b.Duration {
			r *= b.Factor
		}
	}
	return r
}

// incidentEnd returns when the last phase of any dependency ends, and
// whether there is one.
func (s *Scenario) incidentEnd() (time.Duration, bool) {
	var end time.Duration
	found := false
	for _, d := range s.Dependencies {
		for _, p := range d.Phases {
			end, found = max(end, p.Start+p.Duration), true
		}
	}
	return end, found
}

func (s *Scenario) bucket() time.Duration {
	if s.Bucket > 0 {
		return s.Bucket
	}
	return time.Second
}

func (s *Scenario) validate() error {
	switch {
	case len(s.Dependencies) == 0:
		return errors.New("sim: Scenario: no Dependencies")
	case !(s.Load.Rate > 0) || math.IsInf(s.Load.Rate, 1):
		return fmt.Errorf("sim: Scenario: Load.Rate must be > 0 and finite, got %v", s.Load.Rate)
	case s.Load.Deadline <= 0:
		return fmt.Errorf("sim: Scenario: Load.Deadline must be > 0, got %v", s.Load.Deadline)
	case s.Load.FanOut < 0:
		return fmt.Errorf("sim: Scenario: Load.FanOut must be >= 0, got %d", s.Load.FanOut)
	case s.Duration <= 0:
		return fmt.Errorf("sim: Scenario: Duration must be > 0, got %v", s.Duration)
	case s.Bucket < 0:
		return fmt.Errorf("sim: Scenario: Bucket must be >= 0, got %v", s.Bucket)
	}
	for i, b := range s.Load.Bursts {
		if b.Start < 0 || b.Duration <= 0 || !(b.Factor >= 0) || math.IsInf(b.Factor, 1) {
			return fmt.Errorf("sim: Scenario: burst %d: Start must be >= 0, Duration > 0 and Factor >= 0 and finite, got %v, %v, %v", i, b.Start, b.Duration, b.Factor)
		}
	}
	seen := make(map[string]bool)
	for i := range s.Dependencies {
		d := &s.Dependencies[i]
		if err := d.validate(); err != nil {
			return err
		}
		if seen[d.Name] {
			return fmt.Errorf("sim: Scenario: two dependencies named %q", d.Name)
		}
		seen[d.Name] = true
	}
	return nil
}
