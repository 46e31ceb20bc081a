package holdfastgrpc_test

import (
	"context"
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
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

func shedding(tb testing.TB, l limit.Limiter, opts ...holdfastgrpc.ShedOption) []grpc.ServerOption {
	tb.Helper()
	u, err := holdfastgrpc.UnaryServerShed(l, opts...)
	require.NoError(tb, err)
	s, err := holdfastgrpc.StreamServerShed(l, opts...)
	require.NoError(tb, err)
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(u), grpc.ChainStreamInterceptor(s)}
}

func bulkhead(tb testing.TB, n int, opts ...limit.BulkheadOption) *limit.Bulkhead {
	tb.Helper()
	b, err := limit.NewBulkhead(n, opts...)
	require.NoError(tb, err)
	return b
}

type result struct {
	err      error
	pushback []string
}

// TestUnaryServerShedBurst sends a burst of six calls to a server that
// admits two at once: four are shed at once with RESOURCE_EXHAUSTED and a
// pushback of the limiter's hint, the two admitted ones succeed.
func TestUnaryServerShedBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &echoServer{gate: make(chan struct{})}
		cc := start(t, s, shedding(t, bulkhead(t, 2)))
		results := make(chan result, 6)
		for range 6 {
			go func() {
				var md metadata.MD
				_, err := call(t.Context(), cc, "hi", grpc.Trailer(&md))
				results <- result{err, md.Get(holdfastgrpc.MetadataPushback)}
			}()
		}
		synctest.Wait()
		for range 4 {
			r := <-results
			assert.Equal(t, codes.ResourceExhausted, status.Code(r.err), "status.Code(%v)", r.err)
			assert.Equal(t, []string{"1000"}, r.pushback)
		}
		assert.Equal(t, int64(2), s.calls.Load(), "calls admitted")
		close(s.gate)
		for range 2 {
			r := <-results
			assert.NoError(t, r.err)
			assert.Empty(t, r.pushback)
		}
	})
}

// TestShedWithClientRetry checks that a shed call retried through
// UnaryClientRetry comes back after the server's pushback.
func TestShedWithClientRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &echoServer{gate: make(chan struct{})}
		var delays []time.Duration
		p := fastPolicy(t, retry.WithOnRetry(func(_ int, _ error, d time.Duration) { delays = append(delays, d) }))
		l := bulkhead(t, 1, limit.WithRetryAfter(time.Second))
		cc := start(t, s, shedding(t, l), unaryRetry(t, p))
		first := make(chan error)
		go func() {
			_, err := call(t.Context(), cc, "first")
			first <- err
		}()
		synctest.Wait() // the first call holds the only place
		go func() {
			time.Sleep(500 * time.Millisecond)
			s.gate <- struct{}{} // the first call ends
			s.gate <- struct{}{} // the retried second call ends
		}()
		t0 := time.Now()
		got, err := call(t.Context(), cc, "second")
		require.NoError(t, err)
		assert.Equal(t, "second", got)
		assert.Equal(t, time.Second, time.Since(t0))
		assert.Equal(t, []time.Duration{time.Second}, delays)
		assert.NoError(t, <-first)
		assert.Equal(t, int64(2), s.calls.Load())
	})
}

// TestUnaryServerShedPriority checks that critical calls bypass a full
// limiter and sheddable ones do not wait for a place.
func TestUnaryServerShedPriority(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &echoServer{gate: make(chan struct{})}
		prio := func(ctx context.Context, _ string) limit.Priority {
			md, _ := metadata.FromIncomingContext(ctx)
			switch v := md.Get("priority"); {
			case len(v) == 0:
				return limit.Normal
			case v[0] == "critical":
				return limit.Critical
			}
			return limit.Sheddable
		}
		l := bulkhead(t, 1, limit.WithMaxWaiting(5))
		cc := start(t, s, shedding(t, l, holdfastgrpc.WithPriority(prio)))
		normal := make(chan error)
		go func() {
			_, err := call(t.Context(), cc, "normal")
			normal <- err
		}()
		synctest.Wait() // the normal call holds the only place

		ctx := metadata.AppendToOutgoingContext(t.Context(), "priority", "sheddable")
		_, err := call(ctx, cc, "sheddable")
		assert.Equal(t, codes.ResourceExhausted, status.Code(err), "sheddable: status.Code(%v)", err)

		critical := make(chan error)
		go func() {
			ctx := metadata.AppendToOutgoingContext(t.Context(), "priority", "critical")
			_, err := call(ctx, cc, "critical")
			critical <- err
		}()
		synctest.Wait()
		assert.Equal(t, int64(2), s.calls.Load(), "the critical call runs beside the normal one")
		close(s.gate)
		assert.NoError(t, <-normal)
		assert.NoError(t, <-critical)
	})
}

// TestStreamServerShed checks that a stream holds its place until its
// handler returns, and that a stream over the limit is shed.
func TestStreamServerShed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &echoServer{gate: make(chan struct{})}
		cc := start(t, s, shedding(t, bulkhead(t, 1)))
		held := make(chan error)
		go func() {
			_, err := exchange(t.Context(), cc, "a")
			held <- err
		}()
		synctest.Wait()

		cs, err := cc.NewStream(t.Context(), bidiDesc, methodBidi)
		require.NoError(t, err)
		require.NoError(t, cs.CloseSend())
		err = cs.RecvMsg(new(struct{}))
		assert.Equal(t, codes.ResourceExhausted, status.Code(err), "status.Code(%v)", err)
		assert.Equal(t, []string{"1000"}, cs.Trailer().Get(holdfastgrpc.MetadataPushback))

		close(s.gate)
		assert.NoError(t, <-held)
		got, err := exchange(t.Context(), cc, "b")
		require.NoError(t, err)
		assert.Equal(t, []string{"b"}, got)
	})
}

// TestUnaryServerShedContextEnds checks that a call whose context ends
// while it waits for a place gets the context's status, not a shed.
func TestUnaryServerShedContextEnds(t *testing.T) {
	l := bulkhead(t, 1, limit.WithMaxWaiting(1))
	p, err := l.Acquire(t.Context())
	require.NoError(t, err)
	defer p.Release(nil)
	i, err := holdfastgrpc.UnaryServerShed(l)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = i(ctx, nil, &grpc.UnaryServerInfo{FullMethod: methodUnary}, func(context.Context, any) (any, error) {
		t.Error("handler ran")
		return nil, nil
	})
	assert.Equal(t, codes.Canceled, status.Code(err), "status.Code(%v)", err)
}

// TestUnaryServerShedPanic checks that a handler's panic goes on and
// releases the call's place.
func TestUnaryServerShedPanic(t *testing.T) {
	l := bulkhead(t, 1)
	i, err := holdfastgrpc.UnaryServerShed(l)
	require.NoError(t, err)
	assert.PanicsWithValue(t, "boom", func() {
		_, _ = i(t.Context(), nil, &grpc.UnaryServerInfo{FullMethod: methodUnary}, func(context.Context, any) (any, error) {
			panic("boom")
		})
	})
	p, err := l.TryAcquire()
	assert.NoError(t, err, "the place was released")
	p.Release(nil)
}

func TestServerShedBadInput(t *testing.T) {
	_, err := holdfastgrpc.UnaryServerShed(nil)
	assert.EqualError(t, err, "holdfastgrpc: UnaryServerShed: nil Limiter")
	_, err = holdfastgrpc.StreamServerShed(nil)
	assert.EqualError(t, err, "holdfastgrpc: StreamServerShed: nil Limiter")
	var none *limit.Bulkhead // a typed nil, which would panic on the first call
	_, err = holdfastgrpc.UnaryServerShed(none)
	assert.EqualError(t, err, "holdfastgrpc: UnaryServerShed: nil Limiter")
	l := bulkhead(t, 1)
	_, err = holdfastgrpc.UnaryServerShed(l, nil)
	assert.EqualError(t, err, "holdfastgrpc: nil Option")
	_, err = holdfastgrpc.StreamServerShed(l, holdfastgrpc.WithPriority(nil))
	assert.EqualError(t, err, "holdfastgrpc: WithPriority: nil func")
}
