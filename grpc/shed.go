package holdfastgrpc

import (
	"context"
	"errors"
	"reflect"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// UnaryServerShed returns a server interceptor that admits calls through
// l and sheds the excess: a call l rejects is answered RESOURCE_EXHAUSTED
// at once, without running its handler, with the [MetadataPushback]
// trailer set from the rejection's hint ([limit.LimitedError.RetryAfter],
// in milliseconds, rounded up), so that a client retrying with
// [UnaryClientRetry] (or grpc-go's retry policy, when it lists
// RESOURCE_EXHAUSTED) comes back after that long and not before. A call
// admitted runs its handler and releases its place with the handler's
// error, from which an adaptive limiter learns (see
// [limit.WithIsOverload]); a handler that panics releases it too.
//
// A call whose context ends while it waits for a place (a [limit.Bulkhead]
// with waiting allowed) is answered with the context's status (CANCELED
// or DEADLINE_EXCEEDED). [WithPriority] exempts critical methods and
// sheds others first.
//
// A nil l is an error.
//
// Cost: the limiter's acquire and release (a few tens of nanoseconds for
// a free place, no allocation); a rejection allocates its status and
// trailer.
func UnaryServerShed(l limit.Limiter, opts ...ShedOption) (grpc.UnaryServerInterceptor, error) {
	s, err := newShedder("UnaryServerShed", l, opts)
	if err != nil {
		return nil, err
	}
	return s.unary, nil
}

// StreamServerShed returns a server interceptor that admits streams
// through l, as [UnaryServerShed] admits calls: a stream holds its place
// until its handler returns, and a rejected one is answered
// RESOURCE_EXHAUSTED with a pushback. Bound long-lived streams with a
// limiter of their own: each holds a place for its whole life.
//
// A nil l is an error.
func StreamServerShed(l limit.Limiter, opts ...ShedOption) (grpc.StreamServerInterceptor, error) {
	s, err := newShedder("StreamServerShed", l, opts)
	if err != nil {
		return nil, err
	}
	return s.stream, nil
}

// tryAcquirer is the non-blocking acquire that every holdfast limiter
// has, used for sheddable calls.
type tryAcquirer interface {
	TryAcquire() (limit.Permit, error)
}

type shedder struct {
	l   limit.Limiter
	try tryAcquirer
	c   shedConfig
}

func newShedder(name string, l limit.Limiter, opts []ShedOption) (*shedder, error) {
	if isNil(l) {
		return nil, errors.New("holdfastgrpc: " + name + ": nil Limiter")
	}
	s := &shedder{l: l}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("holdfastgrpc: nil Option")
		}
		if err := o.applyShed(&s.c); err != nil {
			return nil, err
		}
	}
	s.try, _ = l.(tryAcquirer)
	return s, nil
}

func (s *shedder) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	if ctx == nil {
		return nil, errNilContext
	}
	p, critical, err := s.admit(ctx, info.FullMethod)
	if err != nil {
		return nil, reject(ctx, err, func(md metadata.MD) error { return grpc.SetTrailer(ctx, md) })
	}
	if critical {
		return handler(ctx, req)
	}
	ok := false
	defer func() {
		if !ok {
			p.Release(errPanicked)
		}
	}()
	resp, err = handler(ctx, req)
	ok = true
	p.Release(err)
	return resp, err
}

func (s *shedder) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx := ss.Context()
	p, critical, err := s.admit(ctx, info.FullMethod)
	if err != nil {
		return reject(ctx, err, func(md metadata.MD) error { ss.SetTrailer(md); return nil })
	}
	if critical {
		return handler(srv, ss)
	}
	ok := false
	defer func() {
		if !ok {
			p.Release(errPanicked)
		}
	}()
	err = handler(srv, ss)
	ok = true
	p.Release(err)
	return err
}

// admit returns a permit for the call, or reports it critical (no permit
// needed), or returns the limiter's error.
func (s *shedder) admit(ctx context.Context, method string) (limit.Permit, bool, error) {
	prio := limit.Normal
	if s.c.priority != nil {
		prio = s.c.priority(ctx, method)
	}
	if prio >= limit.Critical {
		return limit.Permit{}, true, nil
	}
	var (
		p   limit.Permit
		err error
	)
	if prio < limit.Normal && s.try != nil {
		p, err = s.try.TryAcquire()
	} else {
		p, err = s.l.Acquire(ctx)
	}
	return p, false, err
}

// reject returns the status to answer a call the limiter did not admit
// with: the context's when it ended while the call waited, and otherwise
// RESOURCE_EXHAUSTED, with the pushback trailer set from err's hint when
// it has one.
func reject(ctx context.Context, err error, setTrailer func(metadata.MD) error) error {
	if ctx.Err() != nil && !errors.Is(err, limit.ErrLimited) {
		return status.FromContextError(ctx.Err()).Err()
	}
	var ra retry.RetryAfterer
	if errors.As(err, &ra) {
		// An error of setTrailer (no stream in ctx, in a test calling the
		// interceptor directly) leaves the rejection without a hint.
		_ = setTrailer(metadata.Pairs(MetadataPushback, formatPushback(ra.RetryAfter())))
	}
	return status.Error(codes.ResourceExhausted, err.Error())
}

// isNil reports whether l is nil or holds a nil pointer (a nil
// *limit.Bulkhead, say), which would panic on the first call.
func isNil(l limit.Limiter) bool {
	if l == nil {
		return true
	}
	v := reflect.ValueOf(l)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
