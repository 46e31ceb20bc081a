package holdfastgrpc_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	holdfastgrpc "github.com/holdfast-go/holdfast/grpc"
	"github.com/holdfast-go/holdfast/retry"
)

// failing returns a script whose first n calls end with o, and the rest
// succeed.
func failing(n int, o outcome) func(int) outcome {
	return func(call int) outcome {
		if call <= n {
			return o
		}
		return outcome{}
	}
}

func unavailable() error { return status.Error(codes.Unavailable, "down") }

// fastPolicy retries at once (a constant 1ns), up to 3 attempts.
func fastPolicy(tb testing.TB, opts ...retry.Option) *retry.Policy {
	tb.Helper()
	p, err := retry.New(append([]retry.Option{retry.WithStrategy(retry.Constant(time.Nanosecond))}, opts...)...)
	require.NoError(tb, err)
	return p
}

func unaryRetry(tb testing.TB, p *retry.Policy, opts ...holdfastgrpc.UnaryRetryOption) grpc.DialOption {
	tb.Helper()
	i, err := holdfastgrpc.UnaryClientRetry(p, opts...)
	require.NoError(tb, err)
	return grpc.WithChainUnaryInterceptor(i)
}

func TestUnaryClientRetry(t *testing.T) {
	tests := []struct {
		name    string
		script  func(int) outcome
		opts    []holdfastgrpc.UnaryRetryOption
		calls   int64
		code    codes.Code
		reason  error // the *retry.Error's reason; nil: the error is the call's own
		wrapped bool  // the error is a *retry.Error
	}{
		{name: "success", calls: 1},
		{name: "unavailable then success", script: failing(2, outcome{err: unavailable()}), calls: 3},
		{name: "unavailable always", script: failing(9, outcome{err: unavailable()}), calls: 3,
			code: codes.Unavailable, reason: retry.ErrAttemptsExhausted, wrapped: true},
		{name: "resource exhausted without pushback", script: failing(1, outcome{err: status.Error(codes.ResourceExhausted, "full")}),
			calls: 1, code: codes.ResourceExhausted},
		{name: "resource exhausted with pushback", script: failing(1, outcome{err: status.Error(codes.ResourceExhausted, "full"), pushback: "0"}),
			calls: 2},
		{name: "negative pushback", script: failing(1, outcome{err: unavailable(), pushback: "-1"}), calls: 1, code: codes.Unavailable},
		{name: "malformed pushback", script: failing(1, outcome{err: unavailable(), pushback: "soon"}), calls: 1, code: codes.Unavailable},
		{name: "deadline exceeded", script: failing(1, outcome{err: status.Error(codes.DeadlineExceeded, "slow")}), calls: 1, code: codes.DeadlineExceeded},
		{name: "internal", script: failing(1, outcome{err: status.Error(codes.Internal, "bug")}), calls: 1, code: codes.Internal},
		{name: "not found", script: failing(1, outcome{err: status.Error(codes.NotFound, "no")}), calls: 1, code: codes.NotFound},
		{name: "WithRetryCodes internal", script: failing(1, outcome{err: status.Error(codes.Internal, "bug")}),
			opts: []holdfastgrpc.UnaryRetryOption{holdfastgrpc.WithRetryCodes(codes.Internal)}, calls: 2},
		{name: "WithRetryCodes drops unavailable", script: failing(1, outcome{err: unavailable()}),
			opts: []holdfastgrpc.UnaryRetryOption{holdfastgrpc.WithRetryCodes(codes.Internal)}, calls: 1, code: codes.Unavailable},
		{name: "WithPushbackCodes none", script: failing(1, outcome{err: status.Error(codes.ResourceExhausted, "full"), pushback: "0"}),
			opts: []holdfastgrpc.UnaryRetryOption{holdfastgrpc.WithPushbackCodes()}, calls: 1, code: codes.ResourceExhausted},
		{name: "retried then not retryable", script: func(n int) outcome {
			if n == 1 {
				return outcome{err: unavailable()}
			}
			return outcome{err: status.Error(codes.NotFound, "no")}
		}, calls: 2, code: codes.NotFound, wrapped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &echoServer{script: tt.script}
			cc := start(t, s, nil, unaryRetry(t, fastPolicy(t), tt.opts...))
			got, err := call(t.Context(), cc, "hi")
			assert.Equal(t, tt.calls, s.calls.Load(), "server calls")
			if tt.code == codes.OK {
				require.NoError(t, err)
				assert.Equal(t, "hi", got)
				return
			}
			assert.Equal(t, tt.code, status.Code(err), "status.Code(%v)", err)
			var re *retry.Error
			assert.Equal(t, tt.wrapped, errors.As(err, &re), "errors.As(%v, *retry.Error)", err)
			if tt.wrapped {
				assert.Equal(t, int(tt.calls), re.Attempts)
				assert.Equal(t, tt.reason, re.Reason)
			}
		})
	}
}

// TestUnaryClientRetryPushbackDelay checks that a pushback replaces the
// backoff's delay, on the fake clock.
func TestUnaryClientRetryPushbackDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &echoServer{script: failing(1, outcome{err: unavailable(), pushback: "1500"})}
		var delays []time.Duration
		p := fastPolicy(t, retry.WithOnRetry(func(_ int, _ error, d time.Duration) { delays = append(delays, d) }))
		cc := start(t, s, nil, unaryRetry(t, p))
		t0 := time.Now()
		_, err := call(t.Context(), cc, "hi")
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{1500 * time.Millisecond}, delays)
		assert.Equal(t, 1500*time.Millisecond, time.Since(t0))
		assert.Equal(t, int64(2), s.calls.Load())
	})
}

// TestUnaryClientRetryDeadline checks that a retry that could not start
// before the call's deadline is not waited for.
func TestUnaryClientRetryDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &echoServer{script: failing(1, outcome{err: unavailable(), pushback: "5000"})}
		cc := start(t, s, nil, unaryRetry(t, fastPolicy(t)))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		t0 := time.Now()
		_, err := call(ctx, cc, "hi")
		assert.ErrorIs(t, err, retry.ErrOutOfTime)
		assert.Equal(t, codes.Unavailable, status.Code(err))
		assert.Equal(t, time.Duration(0), time.Since(t0))
		assert.Equal(t, int64(1), s.calls.Load())
	})
}

// TestUnaryClientRetryBudget checks that an empty budget stops retries.
func TestUnaryClientRetryBudget(t *testing.T) {
	b, err := retry.NewBudget(retry.WithPercentCanRetry(0), retry.WithMinRetriesPerSec(0))
	require.NoError(t, err)
	s := &echoServer{script: failing(9, outcome{err: unavailable()})}
	cc := start(t, s, nil, unaryRetry(t, fastPolicy(t, retry.WithBudget(b))))
	_, err = call(t.Context(), cc, "hi")
	assert.ErrorIs(t, err, retry.ErrBudgetExhausted)
	assert.Equal(t, int64(1), s.calls.Load())
	assert.Equal(t, uint64(1), b.Stats().Rejected)
}

// TestUnaryClientRetryTrailer checks that the caller's own Trailer option
// gets the last attempt's trailer.
func TestUnaryClientRetryTrailer(t *testing.T) {
	s := &echoServer{script: failing(1, outcome{err: unavailable(), pushback: "0"})}
	cc := start(t, s, nil, unaryRetry(t, fastPolicy(t)))
	md := metadata.MD{}
	_, err := call(t.Context(), cc, "hi", grpc.Trailer(&md))
	require.NoError(t, err)
	assert.Empty(t, md.Get(holdfastgrpc.MetadataPushback))
	assert.Equal(t, int64(2), s.calls.Load())
}

func TestUnaryClientRetryBadInput(t *testing.T) {
	tests := []struct {
		name string
		p    *retry.Policy
		opts []holdfastgrpc.UnaryRetryOption
		want string
	}{
		{name: "nil policy", want: "holdfastgrpc: UnaryClientRetry: nil Policy"},
		{name: "nil option", p: &retry.Policy{}, opts: []holdfastgrpc.UnaryRetryOption{nil}, want: "holdfastgrpc: nil Option"},
		{name: "OK code", p: &retry.Policy{}, opts: []holdfastgrpc.UnaryRetryOption{holdfastgrpc.WithRetryCodes(codes.OK)},
			want: "holdfastgrpc: WithRetryCodes: code must be a failure code, 1 to 16, got 0 (OK)"},
		{name: "unknown code", p: &retry.Policy{}, opts: []holdfastgrpc.UnaryRetryOption{holdfastgrpc.WithPushbackCodes(17)},
			want: "holdfastgrpc: WithPushbackCodes: code must be a failure code, 1 to 16, got 17 (Code(17))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, err := holdfastgrpc.UnaryClientRetry(tt.p, tt.opts...)
			assert.Nil(t, i)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestUnaryClientRetryNilContext(t *testing.T) {
	i, err := holdfastgrpc.UnaryClientRetry(&retry.Policy{})
	require.NoError(t, err)
	//nolint:staticcheck // a nil ctx on purpose
	err = i(nil, methodUnary, nil, nil, nil, nil)
	assert.EqualError(t, err, "holdfastgrpc: nil Context")
}
