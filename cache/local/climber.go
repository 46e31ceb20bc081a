package local

import "math"

// climber adapts the share of the bound given to the admission window by
// hill climbing, as Caffeine does (B. Manes, after "Adaptive Software Cache
// Management", Einziger et al., Middleware 2018): over each sample of
// requests it compares the hit ratio with the previous sample's, keeps
// moving the window's size in the same direction while the ratio improves
// and turns back when it worsens, with a step that decays, and restarts at
// full size when the ratio changes sharply (the workload changed).
type climber struct {
	bound      int64   // the cache's bound
	sample     int64   // requests per sample
	start      int64   // requests counted when the current sample began
	startHits  int64   // hits counted then
	prevRatio  float64 // the hit ratio of the previous sample
	step       float64 // the next adjustment, in units of the bound; its sign is the direction
	warm       bool    // the cache has been full: samples before that say nothing
	adjustment int64   // the last adjustment made, for tests
}

const (
	climbStepShare    = 0.0625 // the full step, as a share of the bound
	climbStepDecay    = 0.98   // each step's size relative to the last
	climbRestartDelta = 0.05   // a change of hit ratio that restarts the full step
	climbSampleMul    = 10     // requests per sample, per unit of the bound
)

func newClimber(bound int64) climber {
	return climber{
		bound:  bound,
		sample: climbSampleMul * min(bound, math.MaxInt64/climbSampleMul),
		step:   -climbStepShare * float64(bound),
	}
}

// observe takes the running totals of requests and hits. At the end of a
// sample it returns the adjustment of the window's size, in units of the
// bound; otherwise 0.
func (c *climber) observe(requests, hits int64) int64 {
	if !c.warm {
		c.start, c.startHits = requests, hits
		return 0
	}
	n := requests - c.start
	if n < c.sample {
		return 0
	}
	ratio := float64(hits-c.startHits) / float64(n)
	change := ratio - c.prevRatio
	amount := c.step
	if change < 0 {
		amount = -c.step
	}
	if math.Abs(change) >= climbRestartDelta {
		c.step = math.Copysign(climbStepShare*float64(c.bound), amount)
	} else {
		c.step = climbStepDecay * amount
	}
	c.prevRatio = ratio
	c.start, c.startHits = requests, hits
	c.adjustment = int64(amount)
	return c.adjustment
}
