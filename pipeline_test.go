package holdfast

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errDown = errors.New("dependency down")

func newPolicy(t *testing.T, attempts int, delay time.Duration) *retry.Policy {
	t.Helper()
	p, err := retry.New(retry.WithMaxAttempts(attempts), retry.WithStrategy(retry.Constant(delay)))
	require.NoError(t, err)
	return p
}

func newPipeline(t *testing.T, opts ...Option) *Pipeline {
	t.Helper()
	p, err := New(opts...)
	require.NoError(t, err)
	return p
}

// A breaker that opens after the first failure rejects the second attempt
// with the time until its probe; the retry waits that long instead of
// retrying at once, and the third attempt is the probe.
func TestBreakerRejectionIsNotRetriedAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, err := breaker.New(breaker.WithConsecutiveFailures(1), breaker.WithOpenDuration(time.Second))
		require.NoError(t, err)
		p := newPipeline(t, WithRetry(newPolicy(t, 3, time.Millisecond)), WithBreaker(b))

		var calls []time.Duration
		start := time.Now()
		err = p.Do(t.Context(), func(context.Context) error {
			calls = append(calls, time.Since(start))
			return errDown
		})

		require.ErrorIs(t, err, errDown)
		var rerr *retry.Error
		require.ErrorAs(t, err, &rerr)
		assert.Equal(t, 3, rerr.Attempts)
		// fn ran at 0 and as the probe at 1s; the rejected attempt at 1ms
		// never reached it.
		assert.Equal(t, []time.Duration{0, time.Second}, calls)
	})
}

// The attempt timeout bounds fn alone: three attempts of 100ms with waits
// of 500ms between them take 1.3s, and the error names the attempt layer.
func TestAttemptTimeoutExcludesRetryWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPipeline(t, WithRetry(newPolicy(t, 3, 500*time.Millisecond)),
			WithAttemptTimeout(100*time.Millisecond))
		start := time.Now()
		err := p.Do(t.Context(), func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		})
		assert.Equal(t, 1300*time.Millisecond, time.Since(start))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		layer, ok := deadline.Layer(err)
		assert.True(t, ok)
		assert.Equal(t, LayerAttempt, layer)
	})
}

// The overall timeout bounds the whole call and names the call layer.
func TestTimeoutBoundsTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPipeline(t, WithTimeout(250*time.Millisecond), WithRetry(newPolicy(t, 10, 100*time.Millisecond)))
		start := time.Now()
		var calls int
		err := p.Do(t.Context(), func(ctx context.Context) error {
			calls++
			return errDown
		})
		// Attempts at 0, 100ms and 200ms; the next would start at 300ms,
		// past the deadline, so the retry stops at once.
		assert.Equal(t, 3, calls)
		assert.Equal(t, 200*time.Millisecond, time.Since(start))
		require.ErrorIs(t, err, errDown)
		require.ErrorIs(t, err, retry.ErrOutOfTime)
	})
}

// The limiter's place is free while the retry waits between attempts.
func TestLimiterNotHeldDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bh, err := limit.NewBulkhead(1)
		require.NoError(t, err)
		p := newPipeline(t, WithRetry(newPolicy(t, 2, time.Second)), WithLimiter(bh))

		done := make(chan error)
		var calls atomic.Int32
		go func() {
			done <- p.Do(context.Background(), func(context.Context) error {
				if calls.Add(1) == 1 {
					return errDown
				}
				return nil
			})
		}()
		time.Sleep(500 * time.Millisecond) // fake time: the call is in its backoff wait
		synctest.Wait()
		permit, err := bh.TryAcquire()
		require.NoError(t, err, "the bulkhead's only place is held during the retry's wait")
		permit.Release(nil)
		require.NoError(t, <-done)
		assert.Equal(t, int32(2), calls.Load())
	})
}

// A rejection by the limiter is not a failure of the dependency: the
// breaker never sees it.
func TestLimiterRejectionDoesNotCountAgainstBreaker(t *testing.T) {
	bh, err := limit.NewBulkhead(1)
	require.NoError(t, err)
	b, err := breaker.New(breaker.WithConsecutiveFailures(1))
	require.NoError(t, err)
	p := newPipeline(t, WithLimiter(bh), WithBreaker(b))

	held, err := bh.TryAcquire()
	require.NoError(t, err)
	err = p.Do(t.Context(), func(context.Context) error { return nil })
	require.ErrorIs(t, err, limit.ErrLimited)
	held.Release(nil)

	assert.Equal(t, breaker.StateClosed, b.State())
	require.NoError(t, p.Do(t.Context(), func(context.Context) error { return nil }))
}

// Each attempt's Permit is released with the attempt's outcome, from
// which an adaptive limiter learns: fn's error, and the breaker's
// rejection once it is open (the limiter is outside the breaker).
func TestLimiterLearnsAttemptOutcomes(t *testing.T) {
	var seen []error
	th, err := limit.NewThrottle(limit.WithIsOverload(func(err error) bool {
		seen = append(seen, err)
		return false // keep admitting every call
	}))
	require.NoError(t, err)
	b, err := breaker.New(breaker.WithConsecutiveFailures(1), breaker.WithOpenDuration(time.Hour))
	require.NoError(t, err)
	p := newPipeline(t, WithLimiter(th), WithBreaker(b))

	require.ErrorIs(t, p.Do(t.Context(), func(context.Context) error { return errDown }), errDown)
	require.ErrorIs(t, p.Do(t.Context(), func(context.Context) error { return nil }), breaker.ErrOpen)
	require.Len(t, seen, 2)
	assert.ErrorIs(t, seen[0], errDown)
	assert.ErrorIs(t, seen[1], breaker.ErrOpen)
}

// The fallback runs once, after the retries, with their error, and its
// value is the call's.
func TestFallbackRunsOnceAfterRetries(t *testing.T) {
	var fallbacks int
	var seen error
	p := newPipeline(t, WithRetry(newPolicy(t, 3, time.Nanosecond)),
		WithFallback(func(_ context.Context, err error) (string, error) {
			fallbacks++
			seen = err
			return "cached", nil
		}))
	var calls int
	v, err := Run(t.Context(), p, func(context.Context) (string, error) {
		calls++
		return "", errDown
	})
	require.NoError(t, err)
	assert.Equal(t, "cached", v)
	assert.Equal(t, 3, calls)
	assert.Equal(t, 1, fallbacks)
	require.ErrorIs(t, seen, retry.ErrAttemptsExhausted)
	require.ErrorIs(t, seen, errDown)
}

// A failing fallback's error is joined with the cause.
func TestFallbackErrorJoinsCause(t *testing.T) {
	errStale := errors.New("no cached copy")
	p := newPipeline(t, WithFallbackFunc(func(context.Context, error) error { return errStale }))
	err := p.Do(t.Context(), func(context.Context) error { return errDown })
	require.ErrorIs(t, err, errStale)
	require.ErrorIs(t, err, errDown)

	passThrough := newPipeline(t, WithFallbackFunc(func(_ context.Context, err error) error { return err }))
	err = passThrough.Do(t.Context(), func(context.Context) error { return errDown })
	assert.Equal(t, errDown, err, "a fallback that returns the cause is not joined with itself")
}

// errList is an error whose type cannot be compared with ==.
type errList []string

func (e errList) Error() string { return fmt.Sprint([]string(e)) }

// A fallback that passes through an error of a type that == cannot
// compare returns it as is, without a panic.
func TestFallbackPassesUncomparableError(t *testing.T) {
	cause := errList{"a", "b"}
	p := newPipeline(t, WithFallbackFunc(func(_ context.Context, err error) error { return err }))
	err := p.Do(t.Context(), func(context.Context) error { return cause })
	assert.Equal(t, error(cause), err)
}

// WithFallbackValue answers its value; Run with another result type is an
// error returned before fn runs.
func TestFallbackValueAndType(t *testing.T) {
	p := newPipeline(t, WithFallbackValue(42))
	v, err := Run(t.Context(), p, func(context.Context) (int, error) { return 0, errDown })
	require.NoError(t, err)
	assert.Equal(t, 42, v)

	ran := false
	_, err = Run(t.Context(), p, func(context.Context) (string, error) { ran = true; return "", nil })
	require.EqualError(t, err, "holdfast: Run[string]: the pipeline's fallback returns int")
	assert.False(t, ran)

	// Do accepts a typed fallback and discards its value.
	require.NoError(t, p.Do(t.Context(), func(context.Context) error { return errDown }))
}

// A hedged attempt races a backup after the delay; each goes through the
// limiter on its own.
func TestHedgeRacesBackupThroughLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bh, err := limit.NewBulkhead(4)
		require.NoError(t, err)
		p := newPipeline(t, WithHedge(10*time.Millisecond), WithLimiter(bh))
		var calls atomic.Int32
		start := time.Now()
		v, err := Run(t.Context(), p, func(ctx context.Context) (int, error) {
			n := calls.Add(1)
			if n == 1 {
				<-ctx.Done() // the slow first call, cancelled when the backup wins
				return 0, ctx.Err()
			}
			return int(n), nil
		})
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		assert.Equal(t, 10*time.Millisecond, time.Since(start))
		synctest.Wait()
		assert.Equal(t, uint64(2), bh.Stats().Admitted)
		assert.Equal(t, 0, bh.Stats().InFlight)
	})
}

// An empty pipeline runs fn as it is.
func TestEmptyPipeline(t *testing.T) {
	p := newPipeline(t)
	v, err := Run(t.Context(), p, func(context.Context) (int, error) { return 7, nil })
	require.NoError(t, err)
	assert.Equal(t, 7, v)
	err = p.Do(t.Context(), func(context.Context) error { return errDown })
	assert.Equal(t, errDown, err)
}

// A panic in fn releases the limiter's place and reaches the caller.
func TestPanicReleasesPermit(t *testing.T) {
	bh, err := limit.NewBulkhead(1)
	require.NoError(t, err)
	p := newPipeline(t, WithLimiter(bh))
	assert.PanicsWithValue(t, "boom", func() {
		_ = p.Do(t.Context(), func(context.Context) error { panic("boom") })
	})
	assert.Equal(t, 0, bh.Stats().InFlight)
}

func TestNewBadInput(t *testing.T) {
	policy := newPolicy(t, 2, time.Nanosecond)
	b, err := breaker.New()
	require.NoError(t, err)
	var nilBulkhead *limit.Bulkhead
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"nil option", []Option{nil}, "holdfast: nil Option"},
		{"two retries", []Option{WithRetry(policy), WithRetry(policy)}, "holdfast: WithRetry given twice"},
		{"two fallbacks", []Option{WithFallbackValue(1), WithFallbackFunc(func(context.Context, error) error { return nil })},
			"holdfast: WithFallback given twice"},
		{"nil policy", []Option{WithRetry(nil)}, "holdfast: WithRetry: nil Policy"},
		{"nil breaker", []Option{WithBreaker(nil)}, "holdfast: WithBreaker: nil Breaker"},
		{"nil limiter", []Option{WithLimiter(nil)}, "holdfast: WithLimiter: nil Limiter"},
		{"typed nil limiter", []Option{WithLimiter(nilBulkhead)}, "holdfast: WithLimiter: nil Limiter"},
		{"nil fallback", []Option{WithFallbackFunc(nil)}, "holdfast: WithFallbackFunc: nil func"},
		{"nil typed fallback", []Option{WithFallback[int](nil)}, "holdfast: WithFallback: nil func"},
		{"zero timeout", []Option{WithTimeout(0)}, "holdfast: WithTimeout must be > 0, got 0s"},
		{"negative attempt timeout", []Option{WithAttemptTimeout(-time.Second)}, "holdfast: WithAttemptTimeout must be > 0, got -1s"},
		{"negative hedge", []Option{WithHedge(-time.Second)}, "holdfast: WithHedge: delay must be >= 0, got -1s"},
		{"nil hedge option", []Option{WithHedge(time.Second, nil)}, "holdfast: WithHedge: nil fanout.HedgeOption"},
		{"bad hedge option", []Option{WithHedge(time.Second, fanout.WithMaxAttempts(0))},
			"holdfast: WithHedge: fanout: WithMaxAttempts: attempts must be >= 1, got 0"},
		{"attempt longer than call", []Option{WithTimeout(time.Second), WithAttemptTimeout(2 * time.Second), WithBreaker(b)},
			"holdfast: WithAttemptTimeout (2s) is longer than WithTimeout (1s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.opts...)
			assert.Nil(t, p)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestCallBadInput(t *testing.T) {
	p := newPipeline(t)
	ok := func(context.Context) error { return nil }
	//lint:ignore SA1012 the nil context is the point of the test
	assert.EqualError(t, p.Do(nil, ok), "holdfast: nil Context")
	assert.EqualError(t, (*Pipeline)(nil).Do(t.Context(), ok), "holdfast: Do: nil Pipeline")
	assert.EqualError(t, p.Do(t.Context(), nil), "holdfast: Do: nil fn")
	_, err := Run[int](t.Context(), p, nil)
	assert.EqualError(t, err, "holdfast: Run: nil fn")
}

// When the overall timeout ends an attempt that returns ctx.Err(), the
// error names the call layer.
func TestTimeoutNamesCallLayer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPipeline(t, WithTimeout(time.Second), WithRetry(newPolicy(t, 3, time.Millisecond)))
		err := p.Do(t.Context(), func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		layer, ok := deadline.Layer(err)
		assert.True(t, ok)
		assert.Equal(t, LayerCall, layer)
	})
}
