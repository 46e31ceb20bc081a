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
	"google.golang.org/grpc/status"

	"github.com/holdfast-go/holdfast/breaker"
	holdfastgrpc "github.com/holdfast-go/holdfast/grpc"
	"github.com/holdfast-go/holdfast/retry"
)

func newBreaker(tb testing.TB) *breaker.Breaker {
	tb.Helper()
	b, err := breaker.New(breaker.WithConsecutiveFailures(3), breaker.WithOpenDuration(2*time.Second))
	require.NoError(tb, err)
	return b
}

func unaryBreaker(tb testing.TB, b *breaker.Breaker, opts ...holdfastgrpc.BreakerOption) grpc.DialOption {
	tb.Helper()
	u, err := holdfastgrpc.UnaryClientBreaker(b, opts...)
	require.NoError(tb, err)
	return grpc.WithChainUnaryInterceptor(u)
}

// TestUnaryClientBreakerTripsAndRecovers: three failures open the
// breaker, which rejects calls without sending them with an UNAVAILABLE
// that matches breaker.ErrOpen, then lets a probe through after its open
// duration and closes when it succeeds.
func TestUnaryClientBreakerTripsAndRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t)
		s := &echoServer{script: failing(3, outcome{err: unavailable()})}
		cc := start(t, s, nil, unaryBreaker(t, b))
		for range 3 {
			_, err := call(t.Context(), cc, "hi")
			assert.Equal(t, codes.Unavailable, status.Code(err))
		}
		assert.Equal(t, breaker.StateOpen, b.State())

		_, err := call(t.Context(), cc, "hi")
		assert.Equal(t, codes.Unavailable, status.Code(err), "status.Code(%v)", err)
		assert.ErrorIs(t, err, breaker.ErrOpen)
		var oe *holdfastgrpc.OpenError
		assert.True(t, errors.As(err, &oe), "errors.As(%v, *OpenError)", err)
		var boe *breaker.OpenError
		require.True(t, errors.As(err, &boe), "errors.As(%v, *breaker.OpenError)", err)
		assert.Equal(t, 2*time.Second, boe.RetryAfter())
		assert.Equal(t, int64(3), s.calls.Load(), "a rejected call is not sent")

		time.Sleep(2 * time.Second)
		got, err := call(t.Context(), cc, "hi")
		require.NoError(t, err)
		assert.Equal(t, "hi", got)
		assert.Equal(t, breaker.StateClosed, b.State())
	})
}

func TestUnaryClientBreakerClassification(t *testing.T) {
	tests := []struct {
		code  codes.Code
		opts  []holdfastgrpc.BreakerOption
		trips bool
	}{
		{code: codes.Unavailable, trips: true},
		{code: codes.DeadlineExceeded, trips: true},
		{code: codes.ResourceExhausted, trips: true},
		{code: codes.Internal, trips: true},
		{code: codes.NotFound},
		{code: codes.InvalidArgument},
		{code: codes.Unknown},
		{code: codes.Canceled},
		{code: codes.NotFound, opts: []holdfastgrpc.BreakerOption{holdfastgrpc.WithFailureCodes(codes.NotFound)}, trips: true},
		{code: codes.Unavailable, opts: []holdfastgrpc.BreakerOption{holdfastgrpc.WithFailureCodes(codes.NotFound)}},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			b := newBreaker(t)
			s := &echoServer{script: failing(9, outcome{err: status.Error(tt.code, "x")})}
			cc := start(t, s, nil, unaryBreaker(t, b, tt.opts...))
			for range 3 {
				_, err := call(t.Context(), cc, "hi")
				assert.Equal(t, tt.code, status.Code(err))
			}
			assert.Equal(t, tt.trips, b.State() == breaker.StateOpen, "breaker open after three %v", tt.code)
		})
	}
}

// TestUnaryClientBreakerCallerCancel checks that calls the caller
// cancelled are not recorded: cancelled calls between failures do not
// break their run.
func TestUnaryClientBreakerCallerCancel(t *testing.T) {
	b := newBreaker(t)
	s := &echoServer{script: failing(9, outcome{err: unavailable()})}
	cc := start(t, s, nil, unaryBreaker(t, b))
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	for i := range 3 {
		_, err := call(t.Context(), cc, "hi")
		assert.Equal(t, codes.Unavailable, status.Code(err))
		if i == 2 {
			break
		}
		for range 5 {
			_, err := call(cancelled, cc, "hi")
			assert.Equal(t, codes.Canceled, status.Code(err))
		}
	}
	assert.Equal(t, breaker.StateOpen, b.State())
}

// TestStreamClientBreaker checks that streams are admitted and recorded,
// with the status they end with.
func TestStreamClientBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t)
		i, err := holdfastgrpc.StreamClientBreaker(b)
		require.NoError(t, err)
		s := &echoServer{script: failing(3, outcome{after: unavailable()})}
		cc := start(t, s, nil, grpc.WithChainStreamInterceptor(i))
		for range 3 {
			_, err := exchange(t.Context(), cc, "a", "b")
			assert.Equal(t, codes.Unavailable, status.Code(err))
		}
		assert.Equal(t, breaker.StateOpen, b.State())
		_, err = cc.NewStream(t.Context(), bidiDesc, methodBidi)
		assert.ErrorIs(t, err, breaker.ErrOpen)
		assert.Equal(t, codes.Unavailable, status.Code(err))

		time.Sleep(2 * time.Second)
		got, err := exchange(t.Context(), cc, "a", "b")
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b"}, got)
		assert.Equal(t, breaker.StateClosed, b.State())
	})
}

// TestStreamClientBreakerRecordsRefusedOpen checks that a stream an
// interceptor further in refuses to open, without calling gRPC's streamer
// (so that gRPC never calls OnFinish), is still recorded: three refusals
// with UNAVAILABLE open the breaker, and no place is held.
func TestStreamClientBreakerRecordsRefusedOpen(t *testing.T) {
	b := newBreaker(t)
	i, err := holdfastgrpc.StreamClientBreaker(b)
	require.NoError(t, err)
	refuse := func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, grpc.Streamer, ...grpc.CallOption) (grpc.ClientStream, error) {
		return nil, unavailable()
	}
	cc := start(t, &echoServer{}, nil, grpc.WithChainStreamInterceptor(i, refuse))
	for range 3 {
		_, err := cc.NewStream(t.Context(), bidiDesc, methodBidi)
		assert.Equal(t, codes.Unavailable, status.Code(err))
	}
	assert.Equal(t, breaker.StateOpen, b.State())
}

// TestRetryOverBreaker checks the composition the doc advises: a retry
// outside the breaker waits for the breaker's next probe instead of being
// rejected again and again.
func TestRetryOverBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t)
		s := &echoServer{script: failing(3, outcome{err: unavailable()})}
		var delays []time.Duration
		p := fastPolicy(t, retry.WithMaxAttempts(5), retry.WithOnRetry(func(_ int, _ error, d time.Duration) { delays = append(delays, d) }))
		r, err := holdfastgrpc.UnaryClientRetry(p)
		require.NoError(t, err)
		br, err := holdfastgrpc.UnaryClientBreaker(b)
		require.NoError(t, err)
		cc := start(t, s, nil, grpc.WithChainUnaryInterceptor(r, br))
		t0 := time.Now()
		got, err := call(t.Context(), cc, "hi")
		require.NoError(t, err)
		assert.Equal(t, "hi", got)
		// Three failures trip the breaker at 2ns (the attempts are 1ns
		// apart); the fourth attempt, at 3ns, is rejected and waits until
		// the probe at 2s+2ns; the fifth is the probe, which succeeds.
		assert.Equal(t, []time.Duration{time.Nanosecond, time.Nanosecond, time.Nanosecond, 2*time.Second - time.Nanosecond}, delays)
		assert.Equal(t, int64(4), s.calls.Load())
		assert.Equal(t, 2*time.Second+2*time.Nanosecond, time.Since(t0))
	})
}

func TestClientBreakerBadInput(t *testing.T) {
	_, err := holdfastgrpc.UnaryClientBreaker(nil)
	assert.EqualError(t, err, "holdfastgrpc: UnaryClientBreaker: nil Breaker")
	_, err = holdfastgrpc.StreamClientBreaker(nil)
	assert.EqualError(t, err, "holdfastgrpc: StreamClientBreaker: nil Breaker")
	b := newBreaker(t)
	_, err = holdfastgrpc.UnaryClientBreaker(b, nil)
	assert.EqualError(t, err, "holdfastgrpc: nil Option")
	_, err = holdfastgrpc.StreamClientBreaker(b, holdfastgrpc.WithFailureCodes(codes.OK))
	assert.EqualError(t, err, "holdfastgrpc: WithFailureCodes: code must be a failure code, 1 to 16, got 0 (OK)")
}
