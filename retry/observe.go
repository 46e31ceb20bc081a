package retry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Observer sees each attempt of a call with its context, for tracing and
// latency metrics (the otel module's adapter implements it). Set it with
// [WithObserver]; the counts of a [Budget] are in [Budget.Stats] and need no
// observer.
//
// The methods run on the caller's goroutine, in order: Attempt, the
// attempt, AttemptDone, and so on for each attempt, then Done once. They
// must not block; a panic in them goes on to the caller.
//
// Cost: unset, a call pays one nil check. Set, a call pays the three
// interface calls per attempt and whatever the observer does; the call
// itself allocates nothing more.
type Observer interface {
	// Attempt is called before each attempt with its number (1 for the
	// first) and the delay waited before it (0 for the first). The context
	// it returns is the attempt's: fn gets it (or its child, with
	// [WithAttemptTimeout]), and so does AttemptDone. Returning ctx itself
	// is fine.
	Attempt(ctx context.Context, attempt int, delay time.Duration) context.Context
	// AttemptDone is called when an attempt returns, with the context
	// Attempt returned and the attempt's error (nil on success). For a
	// [Transport] the error of a response with a retryable status is an
	// error carrying that status ([StatusError]).
	AttemptDone(ctx context.Context, attempt int, err error)
	// Done is called once when the call ends, with the caller's context,
	// the number of attempts made and the call's error: nil, or an [*Error]
	// whose Reason says why it stopped ([ErrBudgetExhausted], …). A
	// [Transport] that returns a response reports a nil error even when the
	// response's status was retryable and the attempts ran out.
	Done(ctx context.Context, attempts int, err error)
}

// WithObserver sets an [Observer] that sees every attempt of every call
// (default none). A nil o is an error.
func WithObserver(o Observer) Option {
	return optionFunc(func(c *config) error {
		if o == nil {
			return errors.New("retry: WithObserver: nil Observer")
		}
		c.observer = o
		return nil
	})
}

// runObserved is run with an observer: the same loop, which tells the
// observer about each attempt and the end of the call.
func runObserved[T any](ctx context.Context, c *config, fn func(context.Context) (T, error)) (T, error) {
	o := c.observer
	var s state
	if c.budget != nil || c.maxElapsed > 0 {
		s.begin(c)
	}
	var delay time.Duration
	for {
		n := s.attempts + 1
		actx := o.Attempt(ctx, n, delay)
		var v T
		var err error
		if c.attemptTimeout > 0 {
			v, err = attempt(actx, c.attemptTimeout, fn)
		} else {
			v, err = fn(actx)
		}
		o.AttemptDone(actx, n, err)
		if err == nil {
			o.Done(ctx, n, nil)
			return v, nil
		}
		d, final := s.plan(ctx, c, err)
		if final == nil {
			if cause := sleep(ctx, d); cause != nil {
				final = s.fail(err, cause)
			}
		}
		if final != nil {
			o.Done(ctx, s.attempts, final)
			var zero T
			return zero, final
		}
		delay = d
	}
}

// roundTripObserved is [transport.RoundTrip] with an observer: each
// attempt's request carries the context the observer returns.
func (t *transport) roundTripObserved(req *http.Request) (*http.Response, error) {
	ctx, c, o := req.Context(), &t.c, t.c.observer
	var s state
	if c.budget != nil || c.maxElapsed > 0 {
		s.begin(c)
	}
	r, delay := req, time.Duration(0)
	for {
		n := s.attempts + 1
		actx := o.Attempt(ctx, n, delay)
		resp, err := t.attempt(r.WithContext(actx))
		if err == nil && t.retryStatus(req, resp.StatusCode) {
			err = newStatusError(resp, time.Now())
		}
		o.AttemptDone(actx, n, err)
		if err == nil {
			o.Done(ctx, n, nil)
			return resp, nil
		}
		d, final := s.plan(ctx, c, err)
		if final == nil {
			var rerr error
			if r, rerr = rewind(req); rerr != nil {
				final = s.fail(fmt.Errorf("%w; %w", err, rerr), nil)
			}
		}
		if final != nil {
			if resp != nil {
				o.Done(ctx, s.attempts, nil)
				return resp, nil
			}
			o.Done(ctx, s.attempts, final)
			return nil, final
		}
		if resp != nil {
			t.discard(resp)
		}
		if cause := sleep(ctx, d); cause != nil {
			closeBody(r)
			final = s.fail(err, cause)
			o.Done(ctx, s.attempts, final)
			return nil, final
		}
		delay = d
	}
}
