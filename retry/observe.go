package retry

import (
	"context"
	"errors"
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
// Cost: unset, a call pays a nil check at each step of its loop (three
// for a call that succeeds at once; no measurable change on the
// BenchmarkPolicy rows). Set, a call pays the three interface calls per
// attempt and whatever the observer does; the call itself allocates
// nothing more, except that a [Transport] copies the request per attempt
// to give it the observer's context.
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
