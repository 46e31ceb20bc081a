package limit

import (
	"errors"
	"fmt"
	"time"
)

// ErrLimited is matched (with [errors.Is]) by the error of every call a
// limiter rejected: a full bulkhead, a wait that reached [WithMaxWait], an
// adaptive limit reached, a throttled call. The error itself is a
// [*LimitedError], which carries a hint of when to try again.
var ErrLimited = errors.New("limit: limited")

// errNilContext is returned by every call given a nil ctx.
var errNilContext = errors.New("limit: nil Context")

// errNilFunc is returned by Do when fn is nil.
var errNilFunc = errors.New("limit: nil fn passed to Do")

// errPanicked is the outcome a Permit is released with when the function
// run by Do panics (or calls runtime.Goexit): a failure.
var errPanicked = errors.New("limit: fn panicked")

// LimitedError is the error of a call a limiter rejected. It matches
// [ErrLimited] and has a [LimitedError.RetryAfter] method, so a retry
// policy that honours retry.RetryAfterer waits that long before the next
// attempt without importing this package. A limiter returns the same
// LimitedError value for each of its rejections: treat it as read-only.
type LimitedError struct {
	// By names what rejected the call: "bulkhead", "keyed bulkhead",
	// "aimd", "vegas", "throttle" or "rate".
	By string
	// After is the hint of when to try again (see [WithRetryAfter]).
	After time.Duration
}

var _ error = (*LimitedError)(nil)

// NewLimitedError returns a [*LimitedError] rejected by by with a hint of
// after. It is for limiters outside this package (such as limit/redis), so
// that every rejection has one shape.
func NewLimitedError(by string, after time.Duration) *LimitedError {
	return &LimitedError{By: by, After: after}
}

// Error describes the rejection, for example
// `limit: rejected by bulkhead, retry after 1s`.
func (e *LimitedError) Error() string {
	return fmt.Sprintf("limit: rejected by %s, retry after %v", e.By, e.After)
}

// RetryAfter returns [LimitedError.After]: how long to wait before trying
// again.
func (e *LimitedError) RetryAfter() time.Duration { return e.After }

// Unwrap returns [ErrLimited].
func (e *LimitedError) Unwrap() error { return ErrLimited }
