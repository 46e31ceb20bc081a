package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cenkalti/backoff/v4"
)

var errBoom = errors.New("boom")

// failing returns a fn that fails n times with err, then succeeds, and a
// pointer to the number of calls made.
func failing(n int, err error) (func(context.Context) error, *int) {
	calls := 0
	return func(context.Context) error {
		calls++
		if calls <= n {
			return err
		}
		return nil
	}, &calls
}

// recorder records the OnRetry calls.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) option() Option {
	return WithOnRetry(func(attempt int, err error, delay time.Duration) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.calls = append(r.calls, fmt.Sprintf("%d:%v:%v", attempt, err, delay))
	})
}

func (r *recorder) String() string { return strings.Join(r.calls, " ") }

func newPolicy(t *testing.T, opts ...Option) *Policy {
	t.Helper()
	p, err := New(opts...)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	return p
}

// checkError checks that err is an *Error with the attempts and reason.
func checkError(t *testing.T, err error, attempts int, last, reason error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error", err, err)
	}
	if e.Attempts != attempts || !errors.Is(e.Err, last) || (e.Reason == nil) != (reason == nil) || !errors.Is(e.Reason, reason) {
		t.Fatalf("error = %+v, want Attempts %d, Err %v, Reason %v", e, attempts, last, reason)
	}
	if !errors.Is(err, last) {
		t.Errorf("errors.Is(%v, %v) = false, want true", err, last)
	}
	if reason != nil && !errors.Is(err, reason) {
		t.Errorf("errors.Is(%v, %v) = false, want true", err, reason)
	}
}

func TestDoSucceedsAtOnce(t *testing.T) {
	fn, calls := failing(0, nil)
	if err := Do(context.Background(), fn); err != nil || *calls != 1 {
		t.Errorf("Do() = %v after %d calls, want nil after 1", err, *calls)
	}
}

func TestDoRetriesUntilSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var r recorder
		fn, calls := failing(2, errBoom)
		start := time.Now()
		err := Do(t.Context(), fn, WithStrategy(Constant(time.Second)), r.option())
		if err != nil || *calls != 3 {
			t.Fatalf("Do() = %v after %d calls, want nil after 3", err, *calls)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("Do() took %v, want 2s", got)
		}
		if got, want := r.String(), "1:boom:1s 2:boom:1s"; got != want {
			t.Errorf("OnRetry calls = %q, want %q", got, want)
		}
	})
}

func TestDoGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var r recorder
		fn, calls := failing(100, io.EOF)
		start := time.Now()
		err := Do(t.Context(), fn, WithStrategy(Exponential(time.Second, 4*time.Second)), WithMaxAttempts(5), r.option())
		checkError(t, err, 5, io.EOF, ErrAttemptsExhausted)
		if *calls != 5 {
			t.Errorf("fn ran %d times, want 5", *calls)
		}
		if got := time.Since(start); got != 11*time.Second {
			t.Errorf("Do() took %v, want 1+2+4+4 = 11s", got)
		}
		if got, want := r.String(), "1:EOF:1s 2:EOF:2s 3:EOF:4s 4:EOF:4s"; got != want {
			t.Errorf("OnRetry calls = %q, want %q (no call when giving up)", got, want)
		}
	})
}

func TestDoMaxAttemptsOne(t *testing.T) {
	fn, calls := failing(100, errBoom)
	err := Do(context.Background(), fn, WithMaxAttempts(1))
	checkError(t, err, 1, errBoom, ErrAttemptsExhausted)
	if *calls != 1 {
		t.Errorf("fn ran %d times, want 1", *calls)
	}
}

// TestDoDeadline checks that Do returns at once, without sleeping, when the
// next attempt could not start before the context's deadline, to the
// nanosecond.
func TestDoDeadline(t *testing.T) {
	tests := []struct {
		timeout  time.Duration
		attempts int
		took     time.Duration
	}{
		{2500 * time.Millisecond, 3, 2 * time.Second},
		{3 * time.Second, 3, 2 * time.Second}, // an attempt at the deadline would fail at once
		{3*time.Second + 1, 4, 3 * time.Second},
		{500 * time.Millisecond, 1, 0},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), tt.timeout)
			defer cancel()
			fn, _ := failing(100, errBoom)
			start := time.Now()
			err := Do(ctx, fn, WithStrategy(Constant(time.Second)), WithMaxAttempts(10))
			checkError(t, err, tt.attempts, errBoom, ErrOutOfTime)
			if got := time.Since(start); got != tt.took {
				t.Errorf("timeout %v: Do() took %v, want %v", tt.timeout, got, tt.took)
			}
		})
	}
}

func TestDoMaxElapsed(t *testing.T) {
	tests := []struct {
		maxElapsed time.Duration
		attempts   int
		took       time.Duration
	}{
		{2 * time.Second, 2, time.Second},
		{2*time.Second + 1, 3, 2 * time.Second},
		{time.Second, 1, 0},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			fn, _ := failing(100, errBoom)
			start := time.Now()
			err := Do(t.Context(), fn, WithStrategy(Constant(time.Second)), WithMaxAttempts(10), WithMaxElapsed(tt.maxElapsed))
			checkError(t, err, tt.attempts, errBoom, ErrOutOfTime)
			if got := time.Since(start); got != tt.took {
				t.Errorf("WithMaxElapsed(%v): Do() took %v, want %v", tt.maxElapsed, got, tt.took)
			}
		})
	}
}

func TestDoCancelDuringDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cause := errors.New("shutting down")
		ctx, cancel := context.WithCancelCause(t.Context())
		time.AfterFunc(1500*time.Millisecond, func() { cancel(cause) })
		fn, _ := failing(100, errBoom)
		start := time.Now()
		err := Do(ctx, fn, WithStrategy(Constant(time.Second)), WithMaxAttempts(10))
		checkError(t, err, 2, errBoom, cause)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(%v, context.Canceled) = false, want true: a cause does not hide the cancellation", err)
		}
		if got := time.Since(start); got != 1500*time.Millisecond {
			t.Errorf("Do() took %v, want 1.5s", got)
		}
	})
}

// TestDoContextCause checks the Reason of a call stopped by its context:
// the context error, and a cause given to the context, both visible to
// errors.Is, and the message. Each context ends during the attempt;
// TestDoCancelDuringDelay covers a cause given during a delay.
func TestDoContextCause(t *testing.T) {
	errShutdown := errors.New("shutting down")
	errLayer := fmt.Errorf("request layer: %w", context.DeadlineExceeded)
	tests := []struct {
		name   string
		ctx    func(context.Context) (context.Context, func())
		want   []error
		string string
	}{
		{"cancel", func(ctx context.Context) (context.Context, func()) {
			ctx, cancel := context.WithCancel(ctx)
			return ctx, cancel
		}, []error{context.Canceled}, "retry: stopped by context canceled after 1 attempt: boom"},
		{"cancel with cause", func(ctx context.Context) (context.Context, func()) {
			ctx, cancel := context.WithCancelCause(ctx)
			return ctx, func() { cancel(errShutdown) }
		}, []error{context.Canceled, errShutdown}, "retry: stopped by context canceled: shutting down after 1 attempt: boom"},
		{"timeout with a cause that matches", func(ctx context.Context) (context.Context, func()) {
			ctx, cancel := context.WithTimeoutCause(ctx, 0, errLayer)
			return ctx, cancel
		}, []error{context.DeadlineExceeded, errLayer}, "retry: stopped by request layer: context deadline exceeded after 1 attempt: boom"},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			ctx, end := tt.ctx(t.Context())
			defer end()
			err := Do(ctx, func(context.Context) error { end(); return errBoom })
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("%s: errors.Is(%v, %v) = false, want true", tt.name, err, want)
				}
			}
			if err == nil || err.Error() != tt.string {
				t.Errorf("%s: Do() = %v, want %q", tt.name, err, tt.string)
			}
		})
	}
}

func TestDoCallerContextNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		calls := 0
		err := Do(ctx, func(ctx context.Context) error {
			calls++
			cancel()
			return ctx.Err()
		}, WithRetryIf(func(error) bool { return true }))
		checkError(t, err, 1, context.Canceled, context.Canceled)
		if calls != 1 {
			t.Errorf("fn ran %d times, want 1", calls)
		}

		ctx, cancel = context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		err = Do(ctx, func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		})
		checkError(t, err, 1, context.DeadlineExceeded, context.DeadlineExceeded)
	})
}

// TestDoAttemptTimeout checks that each attempt gets its own child context
// and that its expiry is retried.
func TestDoAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		start := time.Now()
		err := Do(t.Context(), func(ctx context.Context) error {
			calls++
			deadline, ok := ctx.Deadline()
			if want := time.Now().Add(100 * time.Millisecond); !ok || !deadline.Equal(want) {
				t.Errorf("attempt %d: deadline = %v, %v, want %v", calls, deadline, ok, want)
			}
			if calls < 3 {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}, WithAttemptTimeout(100*time.Millisecond), WithStrategy(Constant(time.Second)))
		if err != nil || calls != 3 {
			t.Fatalf("Do() = %v after %d calls, want nil after 3", err, calls)
		}
		if got := time.Since(start); got != 2*time.Second+200*time.Millisecond {
			t.Errorf("Do() took %v, want 2.2s", got)
		}
	})
}

func TestDoPassesCallerContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, 1)
	err := Do(ctx, func(got context.Context) error {
		if got != ctx {
			t.Errorf("fn got %v, want the caller's context itself", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type wrapped struct{ err error }

func (w wrapped) Error() string { return "wrapped: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

func TestDoClassification(t *testing.T) {
	errSkip := errors.New("skip")
	onlyBoom := WithRetryIf(func(err error) bool { return errors.Is(err, errBoom) })
	tests := []struct {
		name     string
		err      error
		opts     []Option
		attempts int
		reason   error
	}{
		{"plain", errBoom, nil, 3, ErrAttemptsExhausted},
		{"Permanent", Permanent(errBoom), nil, 1, nil},
		{"wrapped Permanent", fmt.Errorf("op: %w", Permanent(errBoom)), nil, 1, nil},
		{"backoff.Permanent", backoff.Permanent(errBoom), nil, 1, nil},
		{"wrapped backoff.Permanent", wrapped{backoff.Permanent(errBoom)}, nil, 1, nil},
		{"retry-if yes", errBoom, []Option{onlyBoom}, 3, ErrAttemptsExhausted},
		{"retry-if no", errSkip, []Option{onlyBoom}, 1, nil},
		{"Permanent beats retry-if", Permanent(errBoom), []Option{onlyBoom}, 1, nil},
		{"attempt deadline retryable", context.DeadlineExceeded, nil, 3, ErrAttemptsExhausted},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			fn, calls := failing(100, tt.err)
			opts := append([]Option{WithStrategy(Constant(time.Millisecond))}, tt.opts...)
			err := Do(t.Context(), fn, opts...)
			checkError(t, err, tt.attempts, tt.err, tt.reason)
			if *calls != tt.attempts {
				t.Errorf("%s: fn ran %d times, want %d", tt.name, *calls, tt.attempts)
			}
		})
	}
}

type throttled struct{ after time.Duration }

func (e *throttled) Error() string             { return "throttled" }
func (e *throttled) RetryAfter() time.Duration { return e.after }

func TestDoRetryAfter(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		opts  []Option
		delay time.Duration
	}{
		{"hint", After(errBoom, 3*time.Second), nil, 3 * time.Second},
		{"shorter hint", After(errBoom, time.Millisecond), nil, time.Millisecond},
		{"zero hint", After(errBoom, 0), nil, 0},
		{"negative hint ignored", After(errBoom, -time.Second), nil, time.Second},
		{"bounded", After(errBoom, time.Hour), []Option{WithMaxRetryAfter(2 * time.Second)}, 2 * time.Second},
		{"default bound", After(errBoom, time.Hour), nil, DefaultMaxRetryAfter},
		{"hints off", After(errBoom, 3*time.Second), []Option{WithMaxRetryAfter(0)}, time.Second},
		{"own type, wrapped", fmt.Errorf("get: %w", &throttled{5 * time.Second}), nil, 5 * time.Second},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			var r recorder
			fn, _ := failing(1, tt.err)
			opts := append([]Option{WithStrategy(Constant(time.Second)), r.option()}, tt.opts...)
			start := time.Now()
			if err := Do(t.Context(), fn, opts...); err != nil {
				t.Fatal(err)
			}
			if got := time.Since(start); got != tt.delay {
				t.Errorf("%s: Do() took %v, want %v", tt.name, got, tt.delay)
			}
			if want := fmt.Sprintf("1:%v:%v", tt.err, tt.delay); r.String() != want {
				t.Errorf("%s: OnRetry calls = %q, want %q", tt.name, r.String(), want)
			}
		})
	}
}

func TestDoRetryAfterPastDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		fn, _ := failing(1, After(errBoom, 20*time.Second))
		start := time.Now()
		err := Do(ctx, fn, WithStrategy(Constant(time.Second)))
		checkError(t, err, 1, errBoom, ErrOutOfTime)
		if got := time.Since(start); got != 0 {
			t.Errorf("Do() took %v, want 0", got)
		}
	})
}

// TestDoHugeHint checks that a hint near the largest Duration, allowed by
// an equally large WithMaxRetryAfter, cannot overflow the deadline and
// elapsed-time arithmetic into a sleep: the call returns at once.
func TestDoHugeHint(t *testing.T) {
	tests := []struct {
		name string
		ctx  func(context.Context) (context.Context, context.CancelFunc)
		opts []Option
	}{
		{"deadline", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, time.Hour)
		}, nil},
		{"max elapsed", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithCancel(ctx)
		}, []Option{WithMaxElapsed(time.Hour)}},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := tt.ctx(t.Context())
			defer cancel()
			fn, _ := failing(1, After(errBoom, math.MaxInt64))
			start := time.Now()
			err := Do(ctx, fn, append(tt.opts, WithMaxRetryAfter(math.MaxInt64))...)
			checkError(t, err, 1, errBoom, ErrOutOfTime)
			if got := time.Since(start); got != 0 {
				t.Errorf("%s: Do() took %v, want 0", tt.name, got)
			}
		})
	}
}

func TestDoBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A call deposits half a retry; no reserve.
		b, err := NewBudget(WithMinRetriesPerSec(0), WithPercentCanRetry(0.5))
		if err != nil {
			t.Fatal(err)
		}
		p := newPolicy(t, WithBudget(b), WithStrategy(Constant(time.Millisecond)), WithMaxAttempts(5))
		fn, _ := failing(100, io.EOF)
		checkError(t, p.Do(t.Context(), fn), 1, io.EOF, ErrBudgetExhausted)
		checkError(t, p.Do(t.Context(), fn), 2, io.EOF, ErrBudgetExhausted)
		want := BudgetStats{Balance: 0, Deposits: 2, Withdrawals: 1, Rejected: 2}
		if got := b.Stats(); got != want {
			t.Errorf("Stats() = %+v, want %+v", got, want)
		}
		ok, _ := failing(0, nil)
		if err := p.Do(t.Context(), ok); err != nil {
			t.Fatal(err)
		}
		if got := b.Stats(); got.Deposits != 3 || got.Withdrawals != 1 {
			t.Errorf("Stats() after a success = %+v, want 3 deposits, 1 withdrawal", got)
		}
	})
}

// countingBackOff is a cenkalti BackOff that counts its calls and stops
// after stopAfter delays.
type countingBackOff struct {
	resets, nexts, stopAfter int
}

func (c *countingBackOff) Reset() { c.resets++; c.nexts = 0 }
func (c *countingBackOff) NextBackOff() time.Duration {
	c.nexts++
	if c.nexts > c.stopAfter {
		return backoff.Stop
	}
	return time.Duration(c.nexts) * time.Second
}

func TestDoWithBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		made := 0
		var last *countingBackOff
		p := newPolicy(t, WithMaxAttempts(10), WithBackOff(func() backoff.BackOff {
			made++
			last = &countingBackOff{stopAfter: 2}
			return last
		}))
		ok, _ := failing(0, nil)
		if err := p.Do(t.Context(), ok); err != nil || made != 0 {
			t.Fatalf("Do() = %v with %d BackOffs made, want nil with none made", err, made)
		}
		fn, _ := failing(100, errBoom)
		start := time.Now()
		checkError(t, p.Do(t.Context(), fn), 3, errBoom, ErrBackOffStop)
		if got := time.Since(start); got != 3*time.Second {
			t.Errorf("Do() took %v, want 1s+2s", got)
		}
		if made != 1 || last.resets != 1 {
			t.Errorf("made %d BackOffs, reset %d times, want 1 and 1", made, last.resets)
		}
		checkError(t, p.Do(t.Context(), fn), 3, errBoom, ErrBackOffStop)
		if made != 2 {
			t.Errorf("made %d BackOffs for two failing calls, want 2", made)
		}
	})
}

func TestDoWithCenkaltiBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fn, calls := failing(3, errBoom)
		start := time.Now()
		err := Do(t.Context(), fn, WithMaxAttempts(4), WithBackOff(func() backoff.BackOff {
			return backoff.NewConstantBackOff(250 * time.Millisecond)
		}))
		if err != nil || *calls != 4 {
			t.Fatalf("Do() = %v after %d calls, want nil after 4", err, *calls)
		}
		if got := time.Since(start); got != 750*time.Millisecond {
			t.Errorf("Do() took %v, want 750ms", got)
		}
		fn, _ = failing(3, errBoom)
		err = Do(t.Context(), fn, WithBackOff(func() backoff.BackOff { return &backoff.StopBackOff{} }))
		checkError(t, err, 1, errBoom, ErrBackOffStop)
		err = Do(t.Context(), fn, WithBackOff(func() backoff.BackOff { return nil }))
		checkError(t, err, 1, errBoom, ErrBackOffStop)
	})
}

func TestStrategyReplacesBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		made := 0
		fn, _ := failing(1, errBoom)
		err := Do(t.Context(), fn,
			WithBackOff(func() backoff.BackOff { made++; return &backoff.ZeroBackOff{} }),
			WithStrategy(Constant(time.Second)))
		if err != nil || made != 0 {
			t.Errorf("Do() = %v with %d BackOffs made, want nil with none: WithStrategy came last", err, made)
		}
	})
}

// TestPolicyDelaysFollowStrategy checks that a Policy's delays are the
// strategy's sequence (retry number and previous delay carried along), by
// comparing with a BackOff fed the same seed.
func TestPolicyDelaysFollowStrategy(t *testing.T) {
	for _, s := range propertyStrategies[:5] {
		synctest.Test(t, func(t *testing.T) {
			var got []time.Duration
			fn, _ := failing(100, errBoom)
			_ = Do(t.Context(), fn, WithStrategy(s), WithMaxAttempts(8), WithRand(rand.NewPCG(3, 4)),
				WithOnRetry(func(_ int, _ error, d time.Duration) { got = append(got, d) }))
			b, err := NewBackOff(s, rand.NewPCG(3, 4))
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range got {
				if want := b.NextBackOff(); d != want {
					t.Fatalf("%v: delay %d = %v, want %v", s, i, d, want)
				}
			}
			if len(got) != 7 {
				t.Errorf("%v: %d delays, want 7", s, len(got))
			}
		})
	}
}

func TestZeroPolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var p Policy
		fn, calls := failing(100, errBoom)
		start := time.Now()
		checkError(t, p.Do(t.Context(), fn), DefaultMaxAttempts, errBoom, ErrAttemptsExhausted)
		if got := time.Since(start); *calls != 3 || got > DefaultBase+2*DefaultBase {
			t.Errorf("zero Policy: %d calls in %v, want 3 in at most 300ms", *calls, got)
		}
	})
}

func TestDoValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		fn := func(context.Context) (string, error) {
			calls++
			if calls < 2 {
				return "partial", errBoom
			}
			return "done", nil
		}
		v, err := DoValue(t.Context(), fn, WithStrategy(Constant(time.Second)))
		if v != "done" || err != nil {
			t.Errorf("DoValue() = %q, %v, want done, nil", v, err)
		}
		p := newPolicy(t, WithMaxAttempts(1))
		calls = 0
		v, err = Execute(t.Context(), p, fn)
		checkError(t, err, 1, errBoom, ErrAttemptsExhausted)
		if v != "" {
			t.Errorf("Execute() = %q, want the zero value on failure", v)
		}
	})
}

// TestPolicyConcurrent shares one Policy and Budget between goroutines;
// the counts must add up.
func TestPolicyConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, calls = 16, 50
		b, err := NewBudget(WithMinRetriesPerSec(0), WithPercentCanRetry(0.5))
		if err != nil {
			t.Fatal(err)
		}
		p := newPolicy(t, WithBudget(b), WithRand(LockedSource(rand.NewPCG(1, 1))), WithStrategy(FullJitter(time.Millisecond, time.Second)))
		var mu sync.Mutex
		failed := 0
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range calls {
					fn, _ := failing((w+i)%2, errBoom) // every other call fails once
					if err := p.Do(context.Background(), fn); err != nil {
						mu.Lock()
						failed++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		st := b.Stats()
		if st.Deposits != workers*calls || st.Withdrawals+st.Rejected != workers*calls/2 || int(st.Rejected) != failed {
			t.Errorf("Stats() = %+v with %d failed calls, want %d deposits, %d retries asked, %d rejected",
				st, failed, workers*calls, workers*calls/2, failed)
		}
		if st.Withdrawals > st.Deposits/2 {
			t.Errorf("Withdrawals = %d, want at most half the deposits %d", st.Withdrawals, st.Deposits)
		}
	})
}

// TestPolicyNoAlloc guards the hot path of issue point 9: a call whose
// first attempt succeeds does not allocate.
func TestPolicyNoAlloc(t *testing.T) {
	ctx := context.Background()
	p := newPolicy(t)
	ok := func(context.Context) error { return nil }
	okValue := func(context.Context) (int, error) { return 1, nil }
	tests := []struct {
		name string
		call func()
	}{
		{"Policy.Do", func() { _ = p.Do(ctx, ok) }},
		{"Execute", func() { _, _ = Execute(ctx, p, okValue) }},
		{"zero Policy", func() { _ = new(Policy).Do(ctx, ok) }},
	}
	for _, tt := range tests {
		if allocs := testing.AllocsPerRun(100, tt.call); allocs != 0 {
			t.Errorf("%s allocs = %v, want 0", tt.name, allocs)
		}
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	ok, _ := failing(0, nil)
	tests := []struct {
		opt  Option
		want string
	}{
		{WithMaxAttempts(0), "retry: WithMaxAttempts: attempts must be >= 1, got 0"},
		{WithMaxAttempts(-3), "retry: WithMaxAttempts: attempts must be >= 1, got -3"},
		{WithMaxElapsed(0), "retry: WithMaxElapsed: duration must be > 0, got 0s"},
		{WithMaxElapsed(-time.Second), "retry: WithMaxElapsed: duration must be > 0, got -1s"},
		{WithAttemptTimeout(-time.Second), "retry: WithAttemptTimeout: duration must be > 0, got -1s"},
		{WithStrategy(FullJitter(0, time.Second)), "retry: WithStrategy: FullJitter: base must be > 0, got 0s"},
		{WithStrategy(Exponential(time.Second, time.Millisecond)), "retry: WithStrategy: Exponential: cap must be >= base 1s, got 1ms"},
		{WithStrategy(Constant(-1)), "retry: WithStrategy: Constant: delay must be > 0, got -1ns"},
		{WithBackOff(nil), "retry: WithBackOff: constructor must not be nil"},
		{WithRand(nil), "retry: WithRand: source must not be nil"},
		{WithRand(LockedSource(nil)), "retry: WithRand: source must not be nil"},
		{WithRetryIf(nil), "retry: WithRetryIf: predicate must not be nil"},
		{WithMaxRetryAfter(-time.Second), "retry: WithMaxRetryAfter: duration must be >= 0, got -1s"},
		{WithBudget(nil), "retry: WithBudget: budget must not be nil"},
		{WithOnRetry(nil), "retry: WithOnRetry: hook must not be nil"},
		{nil, "retry: nil Option"},
	}
	for _, tt := range tests {
		if p, err := New(tt.opt); p != nil || err == nil || err.Error() != tt.want {
			t.Errorf("New() = %v, %v, want nil, %q", p, err, tt.want)
		}
		if err := Do(ctx, ok, tt.opt); err == nil || err.Error() != tt.want {
			t.Errorf("Do() = %v, want %q", err, tt.want)
		}
		if _, err := DoValue(ctx, func(context.Context) (int, error) { return 1, nil }, tt.opt); err == nil || err.Error() != tt.want {
			t.Errorf("DoValue() = %v, want %q", err, tt.want)
		}
	}
}

func TestNilArguments(t *testing.T) {
	ctx := context.Background()
	ok, _ := failing(0, nil)
	okValue := func(context.Context) (int, error) { return 1, nil }
	p := newPolicy(t)
	var nilPolicy *Policy
	var nilCtx context.Context
	tests := []struct {
		err  error
		want string
	}{
		{Do(ctx, nil), "retry: Do: fn must not be nil"},
		{Do(nilCtx, ok), "retry: nil Context"},
		{p.Do(nilCtx, ok), "retry: nil Context"},
		{Do(nilCtx, ok, WithMaxAttempts(0)), "retry: nil Context"},
		{nilPolicy.Do(nilCtx, ok), "retry: nil Context"},
		{p.Do(ctx, nil), "retry: Policy.Do: fn must not be nil"},
		{nilPolicy.Do(ctx, ok), "retry: Policy.Do: nil Policy"},
		{second(DoValue[int](ctx, nil)), "retry: DoValue: fn must not be nil"},
		{second(DoValue(nilCtx, okValue)), "retry: nil Context"},
		{second(Execute(nilCtx, p, okValue)), "retry: nil Context"},
		{second(Execute[int](ctx, p, nil)), "retry: Execute: fn must not be nil"},
		{second(Execute(ctx, nil, okValue)), "retry: Execute: nil Policy"},
	}
	for i, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("case %d: error = %v, want %q", i, tt.err, tt.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
