package holdfastgrpc

import (
	"context"
	"errors"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/holdfast-go/holdfast/breaker"
)

// UnaryClientBreaker returns a client interceptor that guards unary calls
// with b: while b rejects calls, a call fails at once with an
// [*OpenError] (status UNAVAILABLE, matching breaker.ErrOpen) without
// being sent; otherwise it goes on and its outcome is recorded in b.
//
// How outcomes count: a call that fails with a code of [WithFailureCodes]
// (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and INTERNAL by
// default) is a failure; its error is given to b, whose
// [breaker.WithIsFailure] and [breaker.WithIsIgnored] still apply. Any
// other outcome is a success: the dependency answered. A call cancelled
// by its caller (code CANCELED while the call's context is cancelled) is
// not recorded, as b does for context.Canceled: the caller gave up, which
// says nothing of the dependency.
//
// Place it inside a retry interceptor (grpc.WithChainUnaryInterceptor(
// retryInterceptor, breakerInterceptor)), so that each attempt passes the
// breaker and a rejection's wait until the next probe paces the retry.
//
// A nil b is an error.
//
// Cost: in b's closed state, the cost of [breaker.Breaker.Allow] (a few
// nanoseconds, no allocation) and of reading the call's status code.
func UnaryClientBreaker(b *breaker.Breaker, opts ...BreakerOption) (grpc.UnaryClientInterceptor, error) {
	g, err := newBreakerGuard("UnaryClientBreaker", b, opts)
	if err != nil {
		return nil, err
	}
	return g.unary, nil
}

// StreamClientBreaker returns a client interceptor that guards streams
// with b, as [UnaryClientBreaker] guards calls: a stream is one call,
// admitted when it opens and recorded when it ends, with the status it
// ends with (through [grpc.OnFinish], which gRPC calls once the stream is
// over: read to its end, failed, or cancelled), or when it fails to open
// (even when an interceptor further in refused it without reaching gRPC,
// and a panic there counts as a failure). A stream the caller
// neither reads to its end nor cancels holds its place in b (a half-open
// probe, say) forever, as it holds its resources in gRPC.
//
// A nil b is an error.
func StreamClientBreaker(b *breaker.Breaker, opts ...BreakerOption) (grpc.StreamClientInterceptor, error) {
	g, err := newBreakerGuard("StreamClientBreaker", b, opts)
	if err != nil {
		return nil, err
	}
	return g.stream, nil
}

type breakerGuard struct {
	b *breaker.Breaker
	c breakerConfig
}

func newBreakerGuard(name string, b *breaker.Breaker, opts []BreakerOption) (*breakerGuard, error) {
	if b == nil {
		return nil, errors.New("holdfastgrpc: " + name + ": nil Breaker")
	}
	g := &breakerGuard{b: b, c: breakerConfig{
		failure: setOf(codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Internal),
	}}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("holdfastgrpc: nil Option")
		}
		if err := o.applyBreaker(&g.c); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func (g *breakerGuard) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if ctx == nil {
		return errNilContext
	}
	done, err := g.b.Allow()
	if err != nil {
		return &OpenError{Err: err}
	}
	ok := false
	defer func() {
		if !ok { // invoker panicked
			done(errPanicked)
		}
	}()
	err = invoker(ctx, method, req, reply, cc, opts...)
	ok = true
	done(g.outcome(ctx, err))
	return err
}

func (g *breakerGuard) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	done, err := g.b.Allow()
	if err != nil {
		return nil, &OpenError{Err: err}
	}
	var ended atomic.Bool
	end := func(err error) {
		if ended.CompareAndSwap(false, true) {
			done(g.outcome(ctx, err))
		}
	}
	o := append(opts[:len(opts):len(opts)], grpc.OnFinish(end))
	ok := false
	defer func() {
		if !ok { // streamer panicked
			end(errPanicked)
		}
	}()
	cs, err := streamer(ctx, desc, cc, method, o...)
	ok = true
	if err != nil {
		// gRPC calls OnFinish for a stream it failed to open, but an
		// interceptor further in may refuse without calling it: record the
		// outcome here, once, so that no place in b is held.
		end(err)
		return nil, err
	}
	return cs, nil
}

// errPanicked is the outcome recorded for a call whose invoker panicked.
var errPanicked = errors.New("holdfastgrpc: panic in the call")

// outcome returns the error to record for a call that ended with err: err
// when its code is a failure, context.Canceled when the caller cancelled
// it, and nil (a success) otherwise.
func (g *breakerGuard) outcome(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	code := status.Code(err)
	if code == codes.Canceled && ctx.Err() != nil {
		return context.Canceled
	}
	if g.c.failure.has(code) {
		return err
	}
	return nil
}
