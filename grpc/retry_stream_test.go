package holdfastgrpc_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	holdfastgrpc "github.com/holdfast-go/holdfast/grpc"
	"github.com/holdfast-go/holdfast/retry"
)

func streamRetry(tb testing.TB, p *retry.Policy, opts ...holdfastgrpc.StreamRetryOption) grpc.DialOption {
	tb.Helper()
	i, err := holdfastgrpc.StreamClientRetry(p, opts...)
	require.NoError(tb, err)
	return grpc.WithChainStreamInterceptor(i)
}

func TestStreamClientRetry(t *testing.T) {
	msgs := []string{"a", "b", "c"}
	tests := []struct {
		name    string
		script  func(int) outcome
		opts    []holdfastgrpc.StreamRetryOption
		calls   int64
		replies []string
		code    codes.Code
		reason  error
	}{
		{name: "success", calls: 1, replies: msgs},
		{name: "failure before the first message, replayed", script: failing(2, outcome{err: unavailable()}),
			calls: 3, replies: msgs},
		{name: "failure after the first message: committed", script: failing(1, outcome{after: unavailable()}),
			calls: 1, replies: msgs[:1], code: codes.Unavailable},
		{name: "always failing", script: failing(9, outcome{err: unavailable()}),
			calls: 3, code: codes.Unavailable, reason: retry.ErrAttemptsExhausted},
		{name: "not retryable", script: failing(1, outcome{err: status.Error(codes.Internal, "bug")}),
			calls: 1, code: codes.Internal},
		{name: "negative pushback", script: failing(1, outcome{err: unavailable(), pushback: "-5"}),
			calls: 1, code: codes.Unavailable},
		{name: "resource exhausted with pushback", script: failing(1, outcome{err: status.Error(codes.ResourceExhausted, "full"), pushback: "0"}),
			calls: 2, replies: msgs},
		{name: "more sent than kept: committed", script: failing(1, outcome{err: unavailable()}),
			opts: []holdfastgrpc.StreamRetryOption{holdfastgrpc.WithMaxReplay(2)}, calls: 1, code: codes.Unavailable},
		{name: "as many sent as kept", script: failing(1, outcome{err: unavailable()}),
			opts: []holdfastgrpc.StreamRetryOption{holdfastgrpc.WithMaxReplay(3)}, calls: 2, replies: msgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &echoServer{script: tt.script}
			cc := start(t, s, nil, streamRetry(t, fastPolicy(t), tt.opts...))
			got, err := exchange(t.Context(), cc, msgs...)
			assert.Equal(t, tt.calls, s.calls.Load(), "server calls")
			assert.Equal(t, tt.replies, got)
			assert.Equal(t, tt.code, status.Code(err), "status.Code(%v)", err)
			if tt.reason != nil {
				assert.ErrorIs(t, err, tt.reason)
			}
			for i, r := range s.streams() { // every attempt got every message
				assert.Equal(t, msgs, r, "stream %d received", i)
			}
		})
	}
}

// TestStreamClientRetryOpenFailure checks that a stream that could not
// open is opened again at the first RecvMsg, with the messages sent
// meanwhile.
func TestStreamClientRetryOpenFailure(t *testing.T) {
	opens := 0
	failFirst := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		opens++
		if opens == 1 {
			return nil, unavailable()
		}
		return streamer(ctx, desc, cc, method, opts...)
	}
	i, err := holdfastgrpc.StreamClientRetry(fastPolicy(t))
	require.NoError(t, err)
	s := &echoServer{}
	cc := start(t, s, nil, grpc.WithChainStreamInterceptor(i, failFirst))
	got, err := exchange(t.Context(), cc, "a", "b")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, got)
	assert.Equal(t, 2, opens)
	assert.Equal(t, int64(1), s.calls.Load())
}

// TestStreamClientRetryOpenNotRetryable checks that a stream that could
// not open for a reason not retried fails at once.
func TestStreamClientRetryOpenNotRetryable(t *testing.T) {
	fail := func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, grpc.Streamer, ...grpc.CallOption) (grpc.ClientStream, error) {
		return nil, status.Error(codes.PermissionDenied, "no")
	}
	i, err := holdfastgrpc.StreamClientRetry(fastPolicy(t))
	require.NoError(t, err)
	cc := start(t, &echoServer{}, nil, grpc.WithChainStreamInterceptor(i, fail))
	_, err = cc.NewStream(t.Context(), bidiDesc, methodBidi)
	assert.Equal(t, codes.PermissionDenied, status.Code(err))
}

// TestStreamClientRetryServerEnded checks a stream whose server ends it
// before reading: the sends that find it over do not fail, and the
// receive retries it.
func TestStreamClientRetryServerEnded(t *testing.T) {
	opens := 0
	// The first attempt is a stream that has ended: its SendMsg says
	// io.EOF and its RecvMsg UNAVAILABLE, as gRPC's do.
	endedFirst := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		opens++
		cs, err := streamer(ctx, desc, cc, method, opts...)
		if opens == 1 && err == nil {
			return endedStream{cs}, nil
		}
		return cs, err
	}
	i, err := holdfastgrpc.StreamClientRetry(fastPolicy(t))
	require.NoError(t, err)
	s := &echoServer{}
	cc := start(t, s, nil, grpc.WithChainStreamInterceptor(i, endedFirst))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel() // ends the first attempt's stream, left open
	got, err := exchange(ctx, cc, "a", "b")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, got)
	assert.Equal(t, 2, opens)
}

type endedStream struct{ grpc.ClientStream }

func (endedStream) SendMsg(any) error { return io.EOF }
func (endedStream) CloseSend() error  { return nil }
func (endedStream) RecvMsg(any) error { return unavailable() }

// TestStreamClientRetryAfterCommit checks that once a message has been
// received, later failures are the caller's, and later calls go to the
// committed stream.
func TestStreamClientRetryAfterCommit(t *testing.T) {
	s := &echoServer{script: failing(9, outcome{after: unavailable()})}
	cc := start(t, s, nil, streamRetry(t, fastPolicy(t)))
	cs, err := cc.NewStream(t.Context(), bidiDesc, methodBidi)
	require.NoError(t, err)
	require.NoError(t, cs.SendMsg(wrapperspb.String("a")))
	require.NoError(t, cs.SendMsg(wrapperspb.String("b")))
	require.NoError(t, cs.CloseSend())
	out := new(wrapperspb.StringValue)
	require.NoError(t, cs.RecvMsg(out))
	assert.Equal(t, "a", out.GetValue())
	err = cs.RecvMsg(out)
	assert.Equal(t, codes.Unavailable, status.Code(err))
	var re *retry.Error
	assert.False(t, errors.As(err, &re), "a committed stream's error is its own")
	assert.Equal(t, int64(1), s.calls.Load())
	md, err := cs.Header()
	assert.NoError(t, err)
	assert.NotNil(t, md)
	assert.NotNil(t, cs.Trailer())
	assert.NotNil(t, cs.Context())
}

// TestStreamClientRetryHeaderCommits checks that a stream whose header the
// caller has read is committed, as grpc-go's own retry commits it: the
// caller may have acted on the header, which a new attempt would replace.
func TestStreamClientRetryHeaderCommits(t *testing.T) {
	s := &echoServer{script: failing(9, outcome{header: true, err: unavailable()})}
	cc := start(t, s, nil, streamRetry(t, fastPolicy(t)))
	cs, err := cc.NewStream(t.Context(), bidiDesc, methodBidi)
	require.NoError(t, err)
	require.NoError(t, cs.SendMsg(wrapperspb.String("a")))
	require.NoError(t, cs.CloseSend())
	md, err := cs.Header()
	require.NoError(t, err)
	assert.Equal(t, []string{"1"}, md.Get("attempt"))
	err = cs.RecvMsg(new(wrapperspb.StringValue))
	assert.Equal(t, codes.Unavailable, status.Code(err))
	var re *retry.Error
	assert.False(t, errors.As(err, &re), "a committed stream's error is its own, got %v", err)
	assert.Equal(t, int64(1), s.calls.Load())
}

func TestStreamClientRetryBadInput(t *testing.T) {
	tests := []struct {
		name string
		p    *retry.Policy
		opts []holdfastgrpc.StreamRetryOption
		want string
	}{
		{name: "nil policy", want: "holdfastgrpc: StreamClientRetry: nil Policy"},
		{name: "nil option", p: &retry.Policy{}, opts: []holdfastgrpc.StreamRetryOption{nil}, want: "holdfastgrpc: nil Option"},
		{name: "negative replay", p: &retry.Policy{}, opts: []holdfastgrpc.StreamRetryOption{holdfastgrpc.WithMaxReplay(-1)},
			want: "holdfastgrpc: WithMaxReplay must be in [0, 65536], got -1"},
		{name: "replay too large", p: &retry.Policy{}, opts: []holdfastgrpc.StreamRetryOption{holdfastgrpc.WithMaxReplay(holdfastgrpc.MaxReplay + 1)},
			want: "holdfastgrpc: WithMaxReplay must be in [0, 65536], got 65537"},
		{name: "bad code", p: &retry.Policy{}, opts: []holdfastgrpc.StreamRetryOption{holdfastgrpc.WithRetryCodes(codes.OK)},
			want: "holdfastgrpc: WithRetryCodes: code must be a failure code, 1 to 16, got 0 (OK)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, err := holdfastgrpc.StreamClientRetry(tt.p, tt.opts...)
			assert.Nil(t, i)
			assert.EqualError(t, err, tt.want)
		})
	}
}

// TestStreamClientRetryConcurrentSend sends from one goroutine while
// another receives, on a stream whose first attempt the server ends
// before reading: the retry replays what was sent, and the sends that
// come during the retry go to the new stream, in order.
func TestStreamClientRetryConcurrentSend(t *testing.T) {
	s := &echoServer{script: failing(1, outcome{err: unavailable(), early: true})}
	cc := start(t, s, nil, streamRetry(t, fastPolicy(t)))
	cs, err := cc.NewStream(t.Context(), bidiDesc, methodBidi)
	require.NoError(t, err)
	var want []string
	for i := range 20 {
		want = append(want, string(rune('a'+i)))
	}
	sent := make(chan error, 1)
	go func() {
		for _, m := range want {
			if err := cs.SendMsg(wrapperspb.String(m)); err != nil {
				sent <- err
				return
			}
		}
		sent <- cs.CloseSend()
	}()
	var got []string
	for {
		out := new(wrapperspb.StringValue)
		err := cs.RecvMsg(out)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		got = append(got, out.GetValue())
	}
	require.NoError(t, <-sent)
	assert.Equal(t, want, got)
	assert.Equal(t, int64(2), s.calls.Load())
	assert.Equal(t, [][]string{want}, s.streams())
}
