package holdfast

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// An Option adds one piece to a [Pipeline]. Each piece may be given once; a
// second piece of the same kind, a nil piece or a bad value is an error
// from [New] that names the option.
type Option interface {
	apply(*Pipeline) error
}

type optionFunc func(*Pipeline) error

func (f optionFunc) apply(p *Pipeline) error { return f(p) }

// piece is one kind of piece, for the "given twice" check.
type piece int

const (
	pieceTimeout piece = iota
	pieceFallback
	pieceRetry
	pieceHedge
	pieceLimiter
	pieceBreaker
	pieceAttemptTimeout
	pieceCount
)

var pieceNames = [pieceCount]string{
	"WithTimeout", "WithFallback", "WithRetry", "WithHedge",
	"WithLimiter", "WithBreaker", "WithAttemptTimeout",
}

// once wraps the setter of a piece with the checks every piece shares.
func once(k piece, set func(*Pipeline) error) Option {
	return optionFunc(func(p *Pipeline) error {
		if p.given[k] {
			return fmt.Errorf("holdfast: %s given twice", pieceNames[k])
		}
		p.given[k] = true
		return set(p)
	})
}

// WithTimeout bounds the whole call, retries, waits and fallback included:
// the outermost piece. When it fires, the error names the layer "call"
// (see [deadline.Layer]). d must be > 0.
func WithTimeout(d time.Duration) Option {
	return once(pieceTimeout, func(p *Pipeline) error {
		if d <= 0 {
			return fmt.Errorf("holdfast: WithTimeout must be > 0, got %v", d)
		}
		p.timeout = d
		return nil
	})
}

// WithAttemptTimeout bounds each attempt: the innermost piece, around fn
// alone, so it does not count the retry's waits or the time spent waiting
// for the limiter. When it fires, the error names the layer "attempt". d
// must be > 0, and no longer than [WithTimeout]'s.
func WithAttemptTimeout(d time.Duration) Option {
	return once(pieceAttemptTimeout, func(p *Pipeline) error {
		if d <= 0 {
			return fmt.Errorf("holdfast: WithAttemptTimeout must be > 0, got %v", d)
		}
		p.attemptTimeout = d
		return nil
	})
}

// WithRetry retries failed attempts under policy, with its strategy, caps,
// classification and [retry.Budget]. A rejection by the breaker or the
// limiter carries the time to wait (a [retry.RetryAfterer]), so the policy
// waits that long, or gives up, instead of retrying at once.
func WithRetry(policy *retry.Policy) Option {
	return once(pieceRetry, func(p *Pipeline) error {
		if policy == nil {
			return errors.New("holdfast: WithRetry: nil Policy")
		}
		p.policy = policy
		return nil
	})
}

// WithBreaker passes every attempt through b, which rejects attempts with
// an error matching [breaker.ErrOpen] while it is open.
func WithBreaker(b *breaker.Breaker) Option {
	return once(pieceBreaker, func(p *Pipeline) error {
		if b == nil {
			return errors.New("holdfast: WithBreaker: nil Breaker")
		}
		p.breaker = b
		return nil
	})
}

// WithLimiter makes every attempt take a [limit.Permit] from l (a
// [limit.Bulkhead], an adaptive limit or a throttle) and release it with
// the attempt's outcome. A rejection is an error matching
// [limit.ErrLimited].
func WithLimiter(l limit.Limiter) Option {
	return once(pieceLimiter, func(p *Pipeline) error {
		if isNil(l) {
			return errors.New("holdfast: WithLimiter: nil Limiter")
		}
		p.limiter = l
		return nil
	})
}

// WithHedge makes each attempt a hedged request ([fanout.Hedge]): a backup
// call starts after delay if the first has not answered, the first success
// wins and the others are cancelled. Each hedged call passes through the
// limiter and the breaker on its own. Use it only for idempotent calls.
// delay must be >= 0.
func WithHedge(delay time.Duration, opts ...fanout.HedgeOption) Option {
	return once(pieceHedge, func(p *Pipeline) error {
		if delay < 0 {
			return fmt.Errorf("holdfast: WithHedge: delay must be >= 0, got %v", delay)
		}
		for _, o := range opts {
			if o == nil {
				return errors.New("holdfast: WithHedge: nil fanout.HedgeOption")
			}
		}
		if err := checkHedge(delay, opts); err != nil {
			return fmt.Errorf("holdfast: WithHedge: %w", err)
		}
		p.hedge, p.hedgeDelay, p.hedgeOpts = true, delay, opts
		return nil
	})
}

// checkHedge returns the error of a bad hedge option, so that New reports
// it instead of every call. fanout.Hedge checks its options before it
// looks at its context: with one already cancelled, it starts nothing and
// returns the context's error when the options are good.
func checkHedge(delay time.Duration, opts []fanout.HedgeOption) error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := fanout.Hedge(ctx, func(context.Context) (struct{}, error) { return struct{}{}, nil }, delay, opts...)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// WithFallback runs f once when the call fails after every other piece has
// given up (retries exhausted, breaker open, limiter full, timeout), with
// the call's error. Its result is the call's result: a fallback that
// returns a nil error turns the failure into a success; one that fails
// returns its error joined with the cause ([errors.Join]).
//
// T must be the result type of the calls made through the pipeline with
// [Run] ([Pipeline.Do] accepts a fallback of any type and discards its
// value); [Run] with another type returns an error saying so. For
// [Pipeline.Do] alone, [WithFallbackFunc] needs no type.
func WithFallback[T any](f func(ctx context.Context, err error) (T, error)) Option {
	return once(pieceFallback, func(p *Pipeline) error {
		if f == nil {
			return errors.New("holdfast: WithFallback: nil func")
		}
		p.fallback = f
		p.fallbackErr = func(ctx context.Context, err error) error {
			_, ferr := f(ctx, err)
			return ferr
		}
		p.fallbackType = reflect.TypeFor[T]()
		return nil
	})
}

// WithFallbackValue is [WithFallback] with a function that returns v: the
// call answers v instead of failing.
func WithFallbackValue[T any](v T) Option {
	return WithFallback(func(context.Context, error) (T, error) { return v, nil })
}

// WithFallbackFunc is a fallback with no value: f gets the call's error and
// returns the call's error (nil to turn the failure into a success). With
// [Run], a fallback that returns nil yields the zero value of the result.
func WithFallbackFunc(f func(ctx context.Context, err error) error) Option {
	return once(pieceFallback, func(p *Pipeline) error {
		if f == nil {
			return errors.New("holdfast: WithFallbackFunc: nil func")
		}
		p.fallbackErr = f
		return nil
	})
}

// isNil reports whether an interface holds nothing or a nil pointer.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
