package holdfast

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// The names of the two timeout layers, as [deadline.Layer] reports them
// when a timeout of the pipeline fires.
const (
	LayerCall    = "call"    // [WithTimeout]: the whole call
	LayerAttempt = "attempt" // [WithAttemptTimeout]: one attempt
)

// A Pipeline runs calls through the resilience pieces it was built with,
// always in the same order, whatever the order of the options:
//
//	WithTimeout → WithFallback → WithRetry → WithHedge → WithLimiter → WithBreaker → WithAttemptTimeout → fn
//
// The package documentation gives the reason for each position. A piece
// that was not given is skipped. A Pipeline holds no state of its own (the
// pieces keep theirs), so one Pipeline serves any number of goroutines and
// any result type: build it once per dependency, and call [Pipeline.Do] or
// [Run] on every request.
type Pipeline struct {
	given [pieceCount]bool

	timeout        time.Duration
	attemptTimeout time.Duration
	policy         *retry.Policy
	hedge          bool
	hedgeDelay     time.Duration
	hedgeOpts      []fanout.HedgeOption
	limiter        limit.Limiter
	breaker        *breaker.Breaker
	fallback       any          // func(context.Context, error) (T, error), from WithFallback
	fallbackType   reflect.Type // T of fallback
	fallbackErr    func(context.Context, error) error
}

// New builds a Pipeline from its pieces. It returns an error naming the
// option for a nil option or piece, a bad value, a piece given twice, or an
// attempt timeout longer than the overall timeout.
func New(opts ...Option) (*Pipeline, error) {
	p := new(Pipeline)
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("holdfast: nil Option")
		}
		if err := o.apply(p); err != nil {
			return nil, err
		}
	}
	if p.timeout > 0 && p.attemptTimeout > p.timeout {
		return nil, fmt.Errorf("holdfast: WithAttemptTimeout (%v) is longer than WithTimeout (%v)",
			p.attemptTimeout, p.timeout)
	}
	return p, nil
}

// Do runs fn through the pipeline and returns its error, or the error of
// the piece that stopped it: a [*retry.Error] when retries ran out (it
// wraps the last attempt's error), an error matching [breaker.ErrOpen] or
// [limit.ErrLimited], a timeout whose [deadline.Layer] is [LayerCall] or
// [LayerAttempt], or the fallback's answer to one of those. ctx, p and fn
// must not be nil.
func (p *Pipeline) Do(ctx context.Context, fn func(context.Context) error) error {
	if err := check(ctx, p, fn == nil, "Do"); err != nil {
		return err
	}
	var fb func(context.Context, error) (struct{}, error)
	if p.fallbackErr != nil {
		fb = func(ctx context.Context, err error) (struct{}, error) {
			return struct{}{}, p.fallbackErr(ctx, err)
		}
	}
	_, err := call(ctx, p, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, fn(ctx)
	}, fb)
	return err
}

// Run is [Pipeline.Do] for a call that returns a value. A fallback given
// with [WithFallback] must return T; one of another type is an error,
// returned before fn runs.
func Run[T any](ctx context.Context, p *Pipeline, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := check(ctx, p, fn == nil, "Run"); err != nil {
		return zero, err
	}
	fb, err := fallbackFor[T](p)
	if err != nil {
		return zero, err
	}
	return call(ctx, p, fn, fb)
}

// check reports a nil argument of Do or Run.
func check(ctx context.Context, p *Pipeline, nilFn bool, name string) error {
	switch {
	case ctx == nil:
		return errors.New("holdfast: nil Context")
	case p == nil:
		return fmt.Errorf("holdfast: %s: nil Pipeline", name)
	case nilFn:
		return fmt.Errorf("holdfast: %s: nil fn", name)
	}
	return nil
}

// fallbackFor returns p's fallback as a function returning T, nil when p
// has none, or an error when it returns another type.
func fallbackFor[T any](p *Pipeline) (func(context.Context, error) (T, error), error) {
	if p.fallback != nil {
		f, ok := p.fallback.(func(context.Context, error) (T, error))
		if !ok {
			return nil, fmt.Errorf("holdfast: Run[%v]: the pipeline's fallback returns %v",
				reflect.TypeFor[T](), p.fallbackType)
		}
		return f, nil
	}
	if p.fallbackErr == nil {
		return nil, nil
	}
	return func(ctx context.Context, err error) (T, error) {
		var zero T
		return zero, p.fallbackErr(ctx, err)
	}, nil
}

// call is the outer part of the pipeline: the overall timeout and the
// fallback around the retried call.
func call[T any](ctx context.Context, p *Pipeline, fn func(context.Context) (T, error),
	fb func(context.Context, error) (T, error)) (T, error) {
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = deadline.WithTimeout(ctx, LayerCall, p.timeout)
		defer cancel()
	}
	v, err := retried(ctx, p, fn)
	if err != nil && p.timeout > 0 {
		err = named(ctx, err)
	}
	if err == nil || fb == nil {
		return v, err
	}
	v, ferr := fb(ctx, err)
	if ferr != nil && !same(ferr, err) {
		ferr = errors.Join(ferr, err)
	}
	return v, ferr
}

// same reports whether a and b are the same error: == for the types it
// compares, and reflect.DeepEqual for those where it would panic (a slice
// type), so that a fallback that returns its cause is not joined with it.
func same(a, b error) bool {
	t := reflect.TypeOf(a)
	if t != reflect.TypeOf(b) {
		return false
	}
	if t.Comparable() {
		return a == b
	}
	return reflect.DeepEqual(a, b)
}

// retried runs the hedged attempt under the retry policy.
func retried[T any](ctx context.Context, p *Pipeline, fn func(context.Context) (T, error)) (T, error) {
	if p.policy == nil {
		return hedged(ctx, p, fn)
	}
	return retry.Execute(ctx, p.policy, func(ctx context.Context) (T, error) {
		return hedged(ctx, p, fn)
	})
}

// hedged runs one attempt, or a hedged race of attempts.
func hedged[T any](ctx context.Context, p *Pipeline, fn func(context.Context) (T, error)) (T, error) {
	if !p.hedge {
		return limited(ctx, p, fn)
	}
	return fanout.Hedge(ctx, func(ctx context.Context) (T, error) {
		return limited(ctx, p, fn)
	}, p.hedgeDelay, p.hedgeOpts...)
}

// limited runs one call under a Permit of the limiter, released with the
// call's outcome (as a failure if fn panics).
func limited[T any](ctx context.Context, p *Pipeline, fn func(context.Context) (T, error)) (v T, err error) {
	if p.limiter == nil {
		return guarded(ctx, p, fn)
	}
	permit, err := p.limiter.Acquire(ctx)
	if err != nil {
		return v, err
	}
	released := false
	defer func() {
		if !released {
			permit.Release(errPanicked)
		}
	}()
	v, err = guarded(ctx, p, fn)
	released = true
	permit.Release(err)
	return v, err
}

// errPanicked is the outcome a Permit is released with when fn panics.
var errPanicked = errors.New("holdfast: fn panicked")

// guarded runs one call through the breaker.
func guarded[T any](ctx context.Context, p *Pipeline, fn func(context.Context) (T, error)) (T, error) {
	if p.breaker == nil {
		return timed(ctx, p, fn)
	}
	return breaker.Execute(ctx, p.breaker, func(ctx context.Context) (T, error) {
		return timed(ctx, p, fn)
	})
}

// timed runs fn under the attempt timeout.
func timed[T any](ctx context.Context, p *Pipeline, fn func(context.Context) (T, error)) (T, error) {
	if p.attemptTimeout <= 0 {
		return fn(ctx)
	}
	ctx, cancel := deadline.WithTimeout(ctx, LayerAttempt, p.attemptTimeout)
	defer cancel()
	v, err := fn(ctx)
	if err != nil {
		err = named(ctx, err)
	}
	return v, err
}

// named makes sure that an error caused by the expiry of a timeout layer
// names it: fn usually returns ctx.Err() (or an error wrapping it), which
// is only [context.DeadlineExceeded]. When ctx ended through a layer's
// timeout and err does not already name a layer, err becomes the layer's
// [*deadline.TimeoutError] (if err is ctx.Err() itself) or wraps it.
func named(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	if _, ok := deadline.Layer(err); ok {
		return err
	}
	cause := context.Cause(ctx)
	if _, ok := deadline.Layer(cause); !ok {
		return err
	}
	if err == ctx.Err() {
		return cause
	}
	return fmt.Errorf("%w: %w", cause, err)
}
