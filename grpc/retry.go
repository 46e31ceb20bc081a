package holdfastgrpc

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/holdfast-go/holdfast/retry"
)

// errNilContext is the error of a call made with a nil context.
var errNilContext = errors.New("holdfastgrpc: nil Context")

// UnaryClientRetry returns a client interceptor that retries unary calls
// under p: p's attempts, backoff, caps, budget and hooks apply, and each
// attempt is a whole call through the rest of the chain.
//
// What it retries: a call that failed with a code of [WithRetryCodes]
// (UNAVAILABLE by default), or with a code of [WithPushbackCodes]
// (RESOURCE_EXHAUSTED by default) when the server sent a pushback. The
// code is read with [status.Code], which finds a GRPCStatus method
// anywhere in the error's chain: the [*OpenError] of a breaker interceptor
// further down the chain reads as UNAVAILABLE. p's own
// [retry.WithRetryIf] is asked too, and the caller's context ending is
// never retried.
//
// How it waits: a server's pushback, the [MetadataPushback] trailer,
// replaces the backoff's delay (bounded by p's [retry.WithMaxRetryAfter]);
// a negative or malformed pushback means do not retry, whatever the code.
// An error implementing [retry.RetryAfterer] sets the delay the same way
// (a breaker's rejection waits for its next probe). It never waits past
// the call's deadline: when the next attempt could not start in time, it
// returns at once.
//
// What it returns: nil, or a call's error as is when the call was not
// retried (its first attempt failed with an error that is not retryable);
// otherwise the [*retry.Error] of p (the attempts, the last error, why it
// stopped), which [status.Code] and [status.FromError] read as the last
// attempt's status, even when the call's context ended during a wait:
// errors.Is(err, retry.ErrAttemptsExhausted) (or context.DeadlineExceeded)
// tells why it stopped.
//
// Each attempt reads the trailer through an added [grpc.Trailer] call
// option; the caller's own Trailer option gets the last attempt's. With
// p's [retry.WithAttemptTimeout], each attempt is a call with its own
// deadline.
//
// A nil p is an error.
//
// Cost: a call whose first attempt succeeds allocates the trailer option
// and the call's option list; see BenchmarkUnary.
func UnaryClientRetry(p *retry.Policy, opts ...UnaryRetryOption) (grpc.UnaryClientInterceptor, error) {
	if p == nil {
		return nil, errors.New("holdfastgrpc: UnaryClientRetry: nil Policy")
	}
	c, err := newRetryOptions(opts, UnaryRetryOption.applyUnaryRetry)
	if err != nil {
		return nil, err
	}
	r := &unaryRetry{p: p, c: c}
	return r.intercept, nil
}

type unaryRetry struct {
	p *retry.Policy
	c retryConfig
}

func (r *unaryRetry) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if ctx == nil {
		return errNilContext
	}
	var (
		md    metadata.MD
		o     = append(opts[:len(opts):len(opts)], grpc.Trailer(&md))
		calls int
		last  error
	)
	err := r.p.Do(ctx, func(ctx context.Context) error {
		md = nil
		calls++
		last = invoker(ctx, method, req, reply, cc, o...)
		return r.c.classify(last, md)
	})
	return result(err, last, calls)
}

// classify returns err as the retry policy should see it: nil for nil,
// err with the server's pushback as a hint when it is retryable, and
// marked permanent when it is not.
func (c *retryConfig) classify(err error, md metadata.MD) error {
	if err == nil {
		return nil
	}
	ok, d, hint := c.decide(err, md)
	switch {
	case !ok:
		return retry.Permanent(err)
	case hint:
		return retry.After(err, d)
	}
	return err
}

// decide reports whether a failed attempt is retried, and after which
// pushback, if the trailer md has one: a pushback that says not to retry
// wins over the code; a code of c.retry is retried, with the pushback if
// any; a code of c.pushback only with one.
func (c *retryConfig) decide(err error, md metadata.MD) (retryable bool, d time.Duration, hint bool) {
	d, hint, stop := pushback(md)
	if stop {
		return false, 0, false
	}
	code := status.Code(err)
	if c.retry.has(code) || c.pushback.has(code) && hint {
		return true, d, hint
	}
	return false, 0, false
}

// result returns what a retried call returns: nil on success, the last
// error as is when the only attempt failed with an error that was not
// retryable, and p's error otherwise.
func result(err, last error, calls int) error {
	if err == nil {
		return nil
	}
	var re *retry.Error
	if calls == 1 && errors.As(err, &re) && re.Reason == nil && last != nil {
		return last
	}
	return err
}
