package holdfastgrpc_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/retry"
)

// TestGatewayDeadline checks what the package doc says of deadlines: at a
// gateway, the budget deadline.Middleware puts on an HTTP request's
// context reaches the gRPC server as its handler's deadline, through the
// retry interceptor, with no interceptor of its own.
func TestGatewayDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		seen := make(chan time.Duration, 2) // each call's time left; -1: none
		s := &echoServer{
			script: failing(1, outcome{err: unavailable(), pushback: "300"}),
			onUnary: func(ctx context.Context) {
				d, ok := deadline.Remaining(ctx)
				if !ok {
					d = -1
				}
				seen <- d
			},
		}
		cc := start(t, s, nil, unaryRetry(t, fastPolicy(t)))
		mw, err := deadline.Middleware()
		require.NoError(t, err)
		gateway := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := call(r.Context(), cc, "hi"); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
			}
		}))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set(deadline.HeaderTimeout, "2000") // the caller's budget: 2s
		rec := httptest.NewRecorder()
		gateway.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		// The first attempt has the whole budget; the retry, after the
		// server's pushback of 300ms, what is left of it. (grpc-timeout is
		// sent in whole units, so the server may see slightly less.)
		require.Len(t, seen, 2)
		assert.InDelta(t, 2*time.Second, <-seen, float64(time.Millisecond))
		assert.InDelta(t, 1700*time.Millisecond, <-seen, float64(time.Millisecond))
	})
}

// TestStreamClientRetryBudget checks that a stream's retries draw from
// the policy's budget.
func TestStreamClientRetryBudget(t *testing.T) {
	b, err := retry.NewBudget(retry.WithPercentCanRetry(0), retry.WithMinRetriesPerSec(0))
	require.NoError(t, err)
	s := &echoServer{script: failing(9, outcome{err: unavailable()})}
	cc := start(t, s, nil, streamRetry(t, fastPolicy(t, retry.WithBudget(b))))
	_, err = exchange(t.Context(), cc, "a")
	assert.ErrorIs(t, err, retry.ErrBudgetExhausted)
	assert.Equal(t, codes.Unavailable, status.Code(err))
	assert.Equal(t, int64(1), s.calls.Load())
	assert.Equal(t, uint64(1), b.Stats().Deposits)
}
