package limit

import (
	"errors"
	"fmt"
	"time"
)

// WithLimits bounds an adaptive limit: it never goes below lo nor above hi
// (default [DefaultMinLimit], [DefaultMaxLimit]). 1 <= lo <= hi.
func WithLimits(lo, hi int) AdaptiveOption {
	return adaptiveOption(func(c *config) error {
		if lo < 1 {
			return fmt.Errorf("limit: WithLimits: min must be >= 1, got %d", lo)
		}
		if hi < lo {
			return fmt.Errorf("limit: WithLimits: min %d is above max %d", lo, hi)
		}
		c.minLimit, c.maxLimit = lo, hi
		return nil
	})
}

// WithInitialLimit sets the limit an adaptive limiter starts from (default
// [DefaultInitialLimit], moved into the bounds of [WithLimits]). n must be
// within those bounds.
func WithInitialLimit(n int) AdaptiveOption {
	return adaptiveOption(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("limit: WithInitialLimit must be >= 1, got %d", n)
		}
		c.initial = n
		return nil
	})
}

// WithWindow sets how long an adaptive limiter gathers samples before it
// moves its limit, and how many samples that needs (default
// [DefaultWindow], [DefaultMinSamples]). Make d a few times the
// dependency's latency, so that a window sees calls admitted under the
// current limit. d must be > 0, samples >= 1.
func WithWindow(d time.Duration, samples int) AdaptiveOption {
	return adaptiveOption(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("limit: WithWindow: duration must be > 0, got %v", d)
		}
		if samples < 1 {
			return fmt.Errorf("limit: WithWindow: samples must be >= 1, got %d", samples)
		}
		c.window, c.minSamples = d, samples
		return nil
	})
}

// WithOnLimitChange calls f(from, to) each time an adaptive limit moves,
// for logs and metrics. f runs on the goroutine that released the call
// that moved the limit, after the move and outside any lock; calls may
// overlap, so f must be safe for concurrent use, and should be quick.
// f must not be nil.
func WithOnLimitChange(f func(from, to int)) AdaptiveOption {
	return adaptiveOption(func(c *config) error {
		if f == nil {
			return errors.New("limit: WithOnLimitChange: nil func")
		}
		c.onLimit = f
		return nil
	})
}

// WithLatencyThreshold makes [NewAIMD]'s limit shrink when a window's
// average latency is above d, as if the calls had failed (default 0: only
// overload errors shrink it). d must be >= 0.
func WithLatencyThreshold(d time.Duration) AIMDOption {
	return aimdOption(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("limit: WithLatencyThreshold must be >= 0, got %v", d)
		}
		c.threshold = d
		return nil
	})
}

// WithBackoff sets the factor [NewAIMD]'s limit is multiplied by on
// overload (default [DefaultBackoff]). f must be in (0, 1).
func WithBackoff(f float64) AIMDOption {
	return aimdOption(func(c *config) error {
		if !(f > 0 && f < 1) {
			return fmt.Errorf("limit: WithBackoff must be in (0, 1), got %v", f)
		}
		c.backoff = f
		return nil
	})
}

// WithQueue sets [NewVegas]'s bounds on the queue it estimates at the
// dependency, in calls: below alpha the limit grows, above beta it shrinks,
// between them it holds (default [DefaultAlpha], [DefaultBeta]).
// 0 <= alpha < beta.
func WithQueue(alpha, beta int) VegasOption {
	return vegasOption(func(c *config) error {
		if alpha < 0 || beta <= alpha {
			return fmt.Errorf("limit: WithQueue needs 0 <= alpha < beta, got alpha %d, beta %d", alpha, beta)
		}
		c.alpha, c.beta = alpha, beta
		return nil
	})
}
