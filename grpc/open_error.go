package holdfastgrpc

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// OpenError is the error of a call that a breaker interceptor rejected
// without sending it: a gRPC status error with code UNAVAILABLE, as
// [status.Code] and [status.FromError] read it, that unwraps to the
// breaker's rejection, so that errors.Is(err, breaker.ErrOpen) holds and
// errors.As finds the [*breaker.OpenError] (and its RetryAfter, which a
// retry interceptor outside the breaker waits for).
//
// A server that returns it from a handler answers UNAVAILABLE.
type OpenError struct {
	// Err is the breaker's rejection, an error matching breaker.ErrOpen.
	Err error
}

var (
	_ error                                    = (*OpenError)(nil)
	_ interface{ GRPCStatus() *status.Status } = (*OpenError)(nil)
)

// Error returns the breaker's message as a gRPC status error's:
// "rpc error: code = Unavailable desc = breaker: ...".
func (e *OpenError) Error() string {
	return "rpc error: code = Unavailable desc = " + e.desc()
}

// GRPCStatus returns the status UNAVAILABLE, with the breaker's message.
func (e *OpenError) GRPCStatus() *status.Status {
	return status.New(codes.Unavailable, e.desc())
}

func (e *OpenError) desc() string {
	if e.Err == nil {
		return "breaker: open"
	}
	return e.Err.Error()
}

// Unwrap returns the breaker's rejection.
func (e *OpenError) Unwrap() error { return e.Err }
