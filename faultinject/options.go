package faultinject

import (
	"errors"
	"fmt"
	"math"
)

// Option configures [New].
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

type config struct {
	script  []Fault
	chances []chance
	seed    uint64
	total   float64 // the sum of the chances' probabilities
}

// chance is a fault with its probability.
type chance struct {
	p float64
	f Fault
}

func newConfig(opts []Option) (*config, error) {
	c := &config{}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("faultinject: nil Option")
		}
		if err := o.apply(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// WithScript gives the faults of the first requests, in order: the first
// request gets faults[0], the second faults[1], and so on. Requests after
// the script get the faults of [WithChance], or go to the base transport.
// Given twice, the scripts are joined.
func WithScript(faults ...Fault) Option {
	return optionFunc(func(c *config) error {
		for i := range faults {
			if err := check(&faults[i]); err != nil {
				return fmt.Errorf("faultinject: WithScript: fault %d: %w", i, err)
			}
		}
		c.script = append(c.script, faults...)
		return nil
	})
}

// WithChance gives each request after the script the probability p of
// getting f. Given several times, the faults are exclusive: a request gets
// at most one, and their probabilities must add up to at most 1; with the
// rest, the request goes to the base transport. p must be in [0, 1].
func WithChance(p float64, f Fault) Option {
	return optionFunc(func(c *config) error {
		if math.IsNaN(p) || p < 0 || p > 1 {
			return fmt.Errorf("faultinject: WithChance: probability must be in [0, 1], got %v", p)
		}
		if c.total+p > 1+1e-9 {
			return fmt.Errorf("faultinject: WithChance: probabilities add up to %v, more than 1", c.total+p)
		}
		if err := check(&f); err != nil {
			return fmt.Errorf("faultinject: WithChance: %w", err)
		}
		c.total += p
		c.chances = append(c.chances, chance{p, f})
		return nil
	})
}

// WithSeed seeds the generator that draws the faults of [WithChance]
// (default 0): the same seed gives the same faults to the same sequence of
// requests.
func WithSeed(seed uint64) Option {
	return optionFunc(func(c *config) error {
		c.seed = seed
		return nil
	})
}

// check reports what is wrong with f.
func check(f *Fault) error {
	switch {
	case f.Latency < 0:
		return fmt.Errorf("field Latency must be >= 0, got %v", f.Latency)
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("field Status must be 0 or in [100, 599], got %d", f.Status)
	case f.BodyDelay < 0:
		return fmt.Errorf("field BodyDelay must be >= 0, got %v", f.BodyDelay)
	case f.BodyChunk < 0:
		return fmt.Errorf("field BodyChunk must be >= 0, got %d", f.BodyChunk)
	case f.Status == 0 && (f.Header != nil || f.Body != ""):
		return errors.New("fields Header and Body make an answer: they need a Status")
	}
	return nil
}
