package holdfastgrpc

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/holdfast-go/holdfast/retry"
)

// StreamClientRetry returns a client interceptor that retries streams
// under p, as [UnaryClientRetry] retries calls (the same codes, pushback,
// deadline and budget), but only until the stream is committed: once the
// first response message has been received, a failure ends the stream as
// it would without the interceptor. This is grpc-go's own rule for
// streams: the caller may have acted on a message, which a new stream
// would send again.
//
// Until then the stream keeps the messages the caller sends (at most
// [WithMaxReplay], [DefaultMaxReplay] by default) and whether it closed
// its send side. A failure seen by the first RecvMsg (or by opening the
// stream) is retried by opening a new stream, sending the kept messages
// again, closing the send side if the caller had, and receiving again;
// the caller sees only the outcome. The first RecvMsg that returns a
// message (or io.EOF, or an error not retried) commits the stream and
// frees the kept messages; so does a SendMsg past the replay limit, and a
// Header that returns the server's header (grpc-go commits there too). The
// messages are kept by reference: do not modify a message after sending
// it, until the first response.
//
// Before the stream is committed: a SendMsg that finds the stream ended
// (io.EOF) returns nil, and the next RecvMsg gets the stream's status and
// retries; Header (until it returns a header) and Trailer read the current
// attempt's; a stream that
// could not be opened, for a retryable reason, is opened again at the
// first RecvMsg (until then SendMsg keeps messages and Header returns that
// error).
//
// The attempts of a stream make one retry sequence of p, run by the
// first RecvMsg (which deposits into p's budget): a stream that never
// receives never retries. p's [retry.WithAttemptTimeout] does not apply
// to streams (a stream outlives the call that opens it); give the
// stream's context a deadline instead.
//
// A nil p is an error.
//
// Cost: a stream that does not fail allocates its wrapper and the slice
// of kept messages, and takes a mutex per message until its first
// response; after that, a call through the wrapper adds an atomic load.
func StreamClientRetry(p *retry.Policy, opts ...StreamRetryOption) (grpc.StreamClientInterceptor, error) {
	if p == nil {
		return nil, errors.New("holdfastgrpc: StreamClientRetry: nil Policy")
	}
	c, err := newRetryOptions(opts, StreamRetryOption.applyStreamRetry)
	if err != nil {
		return nil, err
	}
	r := &streamRetry{p: p, c: c}
	return r.intercept, nil
}

type streamRetry struct {
	p *retry.Policy
	c retryConfig
}

func (r *streamRetry) intercept(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	cs, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		if ok, _, _ := r.c.decide(err, nil); !ok {
			return nil, err
		}
	}
	return &retryStream{
		r: r, ctx: ctx, desc: desc, cc: cc, method: method,
		streamer: streamer, opts: opts, cur: cs, openErr: err,
	}, nil
}

// retryStream is a client stream that can start again until it commits.
// As a grpc.ClientStream, it lets one goroutine send while another
// receives; before the commit, the state they share is under mu. After
// the commit, cur no longer changes and is read without the lock.
type retryStream struct {
	r        *streamRetry
	ctx      context.Context
	desc     *grpc.StreamDesc
	cc       *grpc.ClientConn
	method   string
	streamer grpc.Streamer
	opts     []grpc.CallOption

	committed atomic.Bool
	mu        sync.Mutex
	cur       grpc.ClientStream // nil when the last attempt could not open
	openErr   error             // why cur is nil
	sent      []any             // kept for replay until the commit
	closed    bool              // CloseSend was called
	ended     bool              // cur's send side found the stream over
}

var _ grpc.ClientStream = (*retryStream)(nil)

// current returns the current attempt's stream, or nil and the error
// that kept it from opening.
func (s *retryStream) current() (grpc.ClientStream, error) {
	if !s.committed.Load() {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	return s.cur, s.openErr
}

// Header returns the current attempt's header metadata. A header
// received commits the stream, as in grpc-go: the caller may act on it.
func (s *retryStream) Header() (metadata.MD, error) {
	cs, err := s.current()
	if cs == nil {
		return nil, err
	}
	md, err := cs.Header()
	if md != nil && err == nil && !s.committed.Load() {
		s.commit()
	}
	return md, err
}

// Trailer returns the current attempt's trailer metadata.
func (s *retryStream) Trailer() metadata.MD {
	if cs, _ := s.current(); cs != nil {
		return cs.Trailer()
	}
	return nil
}

// Context returns the current attempt's context, or the caller's when it
// could not open.
func (s *retryStream) Context() context.Context {
	if cs, _ := s.current(); cs != nil {
		return cs.Context()
	}
	return s.ctx
}

// CloseSend closes the send side, and remembers it for a replay.
func (s *retryStream) CloseSend() error {
	if s.committed.Load() {
		return s.closeCommitted()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed.Load() {
		return s.closeCommitted()
	}
	s.closed = true
	if s.cur == nil || s.ended {
		return nil
	}
	return s.cur.CloseSend()
}

func (s *retryStream) closeCommitted() error {
	if s.cur == nil {
		return nil
	}
	return s.cur.CloseSend()
}

// SendMsg sends m, and keeps it for a replay until the commit.
func (s *retryStream) SendMsg(m any) error {
	if s.committed.Load() {
		return s.sendCommitted(m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed.Load() {
		return s.sendCommitted(m)
	}
	if len(s.sent) >= s.r.c.maxReplay {
		s.commitLocked()
		if s.ended {
			return io.EOF
		}
		return s.sendCommitted(m)
	}
	s.sent = append(s.sent, m)
	if s.cur == nil || s.ended {
		return nil
	}
	err := s.cur.SendMsg(m)
	if err == io.EOF {
		s.ended = true
		return nil
	}
	return err
}

func (s *retryStream) sendCommitted(m any) error {
	if s.cur == nil {
		return s.openErr
	}
	return s.cur.SendMsg(m)
}

// RecvMsg receives a message. Before the commit, it retries the stream
// while its attempts fail with retryable errors.
func (s *retryStream) RecvMsg(m any) error {
	if s.committed.Load() {
		if s.cur == nil {
			return s.openErr
		}
		return s.cur.RecvMsg(m)
	}
	var (
		calls int
		last  error
	)
	err := s.r.p.Do(s.ctx, func(context.Context) error {
		calls++
		cs, err := s.attempt(calls > 1)
		if cs == nil {
			if err == nil { // committed meanwhile: no new attempt
				return retry.Permanent(last)
			}
			last = err
			return s.r.c.classify(err, nil)
		}
		last = cs.RecvMsg(m)
		if last == nil || last == io.EOF {
			s.commit()
			return nil
		}
		return s.r.c.classify(last, cs.Trailer())
	})
	if err == nil {
		return last
	}
	s.commit()
	return result(err, last, calls)
}

// attempt returns the stream to receive from: the current one for the
// first attempt, a new one, with the kept messages sent again, for a
// retry. It returns nil and the error when the stream could not open, and
// nil and nil when the stream was committed meanwhile (by a SendMsg past
// the replay limit).
func (s *retryStream) attempt(retry bool) (grpc.ClientStream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !retry {
		return s.cur, s.openErr
	}
	if s.committed.Load() {
		return nil, nil
	}
	cs, err := s.streamer(s.ctx, s.desc, s.cc, s.method, s.opts...)
	s.cur, s.openErr, s.ended = cs, err, false
	if err != nil {
		return nil, err
	}
	for _, m := range s.sent {
		if cs.SendMsg(m) != nil { // the stream ended: RecvMsg tells why
			s.ended = true
			return cs, nil
		}
	}
	if s.closed {
		s.ended = cs.CloseSend() != nil
	}
	return cs, nil
}

func (s *retryStream) commit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commitLocked()
}

func (s *retryStream) commitLocked() {
	s.sent = nil
	s.committed.Store(true)
}
