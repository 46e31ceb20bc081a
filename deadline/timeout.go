package deadline

import (
	"context"
	"errors"
	"time"
)

// TimeoutError is the cause of a context whose named timeout expired: it says
// which layer's timeout fired (the request's, the call's, the operation's)
// and how long that timeout was. It matches [context.DeadlineExceeded], so
// code that only asks "did a deadline expire" keeps working. Get it with
// [context.Cause] on the expired context, or its layer with [Layer].
type TimeoutError struct {
	// Layer names the timeout, as given to [WithTimeout] or [WithLayer].
	Layer string
	// Timeout is the duration the layer was given.
	Timeout time.Duration
}

var _ error = (*TimeoutError)(nil)

// Error returns "deadline: <layer> timeout (<timeout>) exceeded".
func (e *TimeoutError) Error() string {
	return "deadline: " + e.Layer + " timeout (" + e.Timeout.String() + ") exceeded"
}

// Unwrap returns [context.DeadlineExceeded].
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// WithTimeout is [context.WithTimeout] with a named layer: when this timeout
// is the one that expires, [context.Cause] of the returned context (and of
// every context derived from it) is a [*TimeoutError] with Layer set to
// layer. When an outer layer's deadline comes first, it is that layer's
// deadline and cause that apply, so layers nest:
//
//	ctx, cancel := deadline.WithTimeout(ctx, "request", time.Second)
//	defer cancel()
//	dbCtx, dbCancel := deadline.WithTimeout(ctx, "db", 200*time.Millisecond)
//	defer dbCancel()
//	err := query(dbCtx) // on expiry, Layer(context.Cause(dbCtx)) is "db"
//
// It allocates the cause, one small value, beyond what context.WithTimeout
// allocates. A nil ctx panics, as in the context package.
func WithTimeout(ctx context.Context, layer string, d time.Duration) (context.Context, context.CancelFunc) {
	return On(nil).WithTimeout(ctx, layer, d)
}

// Layer returns the name of the layer whose timeout caused err, and whether
// err (or an error it wraps) is a [*TimeoutError]. Pass it
// context.Cause(ctx): ctx.Err() is only [context.DeadlineExceeded].
func Layer(err error) (string, bool) {
	var te *TimeoutError
	if errors.As(err, &te) {
		return te.Layer, true
	}
	return "", false
}
