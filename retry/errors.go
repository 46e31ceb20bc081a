package retry

import (
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Reasons a call stopped retrying. A failed call returns an [*Error] whose
// Reason is one of these (or the caller's context error), so
// errors.Is(err, ErrBudgetExhausted) tells why the call gave up.
var (
	// ErrBudgetExhausted means the shared [Budget] had no retry left.
	ErrBudgetExhausted = errors.New("retry: budget exhausted")
	// ErrAttemptsExhausted means the call made every attempt it was allowed.
	ErrAttemptsExhausted = errors.New("retry: attempts exhausted")
	// ErrOutOfTime means the next attempt could not start before the
	// context's deadline or the cap set by [WithMaxElapsed] (or, in a
	// [Transport], as late as a Retry-After hint above [WithMaxRetryAfter]
	// asks), so the call returned at once instead of sleeping.
	ErrOutOfTime = errors.New("retry: no time left for another attempt")
	// ErrBackOffStop means a [backoff.BackOff] given through [WithBackOff]
	// returned [backoff.Stop].
	ErrBackOffStop = errors.New("retry: backoff returned Stop")
)

// Error is the error of a call that did not succeed: how many attempts ran,
// the error of the last one, and why retrying stopped.
//
// Error unwraps to Err, so errors.Is and errors.As see the last error
// (errors.Is(err, io.EOF) holds when the last attempt returned io.EOF).
// errors.Is also matches Reason, so errors.Is(err, ErrBudgetExhausted) or
// errors.Is(err, context.Canceled) tell why the call gave up.
type Error struct {
	// Attempts is the number of times fn ran, at least 1.
	Attempts int
	// Err is the error the last attempt returned.
	Err error
	// Reason is why no further attempt was made: one of ErrBudgetExhausted,
	// ErrAttemptsExhausted, ErrOutOfTime, ErrBackOffStop, the caller's
	// context error when it ended, or nil when Err was not retryable
	// (permanent, or rejected by [WithRetryIf]). When the context was given
	// a cause ([context.WithCancelCause]), Reason is the cause, wrapped with
	// the context error unless it already matches it: errors.Is sees both.
	Reason error
}

var _ error = (*Error)(nil)

// Error returns "retry: <reason> after N attempts: <last error>".
func (e *Error) Error() string {
	attempts := "attempts"
	if e.Attempts == 1 {
		attempts = "attempt"
	}
	switch e.Reason {
	case nil:
		return fmt.Sprintf("retry: not retryable after %d %s: %v", e.Attempts, attempts, e.Err)
	case ErrBudgetExhausted, ErrAttemptsExhausted, ErrOutOfTime, ErrBackOffStop:
		return fmt.Sprintf("%v after %d %s: %v", e.Reason, e.Attempts, attempts, e.Err)
	}
	return fmt.Sprintf("retry: stopped by %v after %d %s: %v", e.Reason, e.Attempts, attempts, e.Err)
}

// Unwrap returns the last attempt's error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target matches the reason retrying stopped.
func (e *Error) Is(target error) bool {
	return e.Reason != nil && errors.Is(e.Reason, target)
}

// Permanent wraps err so that it is not retried: the call returns at once
// with an [*Error] whose Err is the wrapper, which unwraps to err.
// cenkalti's [backoff.Permanent] is honoured the same way. Permanent(nil)
// is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// isPermanent reports whether err carries our or cenkalti's permanent mark.
func isPermanent(err error) bool {
	var ours *permanentError
	var theirs *backoff.PermanentError
	return errors.As(err, &ours) || errors.As(err, &theirs)
}

// RetryAfterer is implemented by errors that carry a server's hint of how
// long to wait before the next attempt, such as an HTTP 429 or 503 response
// with a Retry-After header. A call finds it anywhere in the error chain
// (with errors.As) and waits the hinted delay instead of the strategy's,
// bounded by [WithMaxRetryAfter] and by the context's deadline. A negative
// hint is ignored; a zero hint retries at once.
type RetryAfterer interface {
	RetryAfter() time.Duration
}

// After wraps err with a Retry-After hint of d, for a fn that read the hint
// from a response. The result unwraps to err and implements [RetryAfterer].
// After(nil, d) is nil.
func After(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &afterError{err: err, d: d}
}

type afterError struct {
	err error
	d   time.Duration
}

func (e *afterError) Error() string             { return e.err.Error() }
func (e *afterError) Unwrap() error             { return e.err }
func (e *afterError) RetryAfter() time.Duration { return e.d }

// retryAfter returns the hint carried by err, if any.
func retryAfter(err error) (time.Duration, bool) {
	var h RetryAfterer
	if !errors.As(err, &h) {
		return 0, false
	}
	d := h.RetryAfter()
	return d, d >= 0
}
