package retry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/holdfast-go/holdfast/retry"
)

var errUnavailable = errors.New("service unavailable")

// A call that fails twice, then succeeds. The examples use delays of a
// nanosecond so that they run at once; real services want the defaults
// (full jitter from 100ms, capped at 10s) or something close.
func ExampleDo() {
	calls := 0
	err := retry.Do(context.Background(),
		func(ctx context.Context) error {
			calls++
			if calls < 3 {
				return errUnavailable
			}
			return nil
		},
		retry.WithStrategy(retry.FullJitter(time.Nanosecond, time.Microsecond)),
		retry.WithOnRetry(func(attempt int, err error, _ time.Duration) {
			fmt.Printf("attempt %d failed: %v\n", attempt, err)
		}),
	)
	fmt.Println("calls:", calls, "error:", err)
	// Output:
	// attempt 1 failed: service unavailable
	// attempt 2 failed: service unavailable
	// calls: 3 error: <nil>
}

// DoValue returns the value of the attempt that succeeded.
func ExampleDoValue() {
	calls := 0
	n, err := retry.DoValue(context.Background(),
		func(ctx context.Context) (int, error) {
			calls++
			if calls == 1 {
				return 0, errUnavailable
			}
			return 42, nil
		},
		retry.WithStrategy(retry.Constant(time.Nanosecond)),
	)
	fmt.Println(n, err)
	// Output: 42 <nil>
}

// A call that gives up returns an *Error: the attempts, the last error
// (still visible to errors.Is) and why it stopped.
func ExampleError() {
	err := retry.Do(context.Background(),
		func(ctx context.Context) error { return io.ErrUnexpectedEOF },
		retry.WithStrategy(retry.Constant(time.Nanosecond)),
	)
	var e *retry.Error
	if errors.As(err, &e) {
		fmt.Println("attempts:", e.Attempts)
	}
	fmt.Println(errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, retry.ErrAttemptsExhausted))
	fmt.Println(err)

	// A permanent error is not retried.
	err = retry.Do(context.Background(),
		func(ctx context.Context) error { return retry.Permanent(errors.New("bad request")) })
	fmt.Println(err)
	// Output:
	// attempts: 3
	// true true
	// retry: attempts exhausted after 3 attempts: unexpected EOF
	// retry: not retryable after 1 attempt: bad request
}

// A Budget shared by every call to a dependency: while it is down, retries
// add at most the budget's share to the load instead of multiplying it by
// the number of attempts.
func ExampleNewBudget() {
	// Each call earns half a retry; no reserve (the default keeps 10 a second).
	budget, err := retry.NewBudget(retry.WithPercentCanRetry(0.5), retry.WithMinRetriesPerSec(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	policy, err := retry.New(
		retry.WithBudget(budget),
		retry.WithMaxAttempts(5),
		retry.WithStrategy(retry.Constant(time.Nanosecond)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	down := func(ctx context.Context) error { return errUnavailable }
	for i := range 4 {
		err := policy.Do(context.Background(), down)
		var e *retry.Error
		errors.As(err, &e)
		fmt.Printf("call %d: %d attempts, budget exhausted: %v\n", i+1, e.Attempts, errors.Is(err, retry.ErrBudgetExhausted))
	}
	fmt.Printf("%+v\n", budget.Stats())
	// Output:
	// call 1: 1 attempts, budget exhausted: true
	// call 2: 2 attempts, budget exhausted: true
	// call 3: 1 attempts, budget exhausted: true
	// call 4: 2 attempts, budget exhausted: true
	// {Balance:0 Deposits:4 Withdrawals:2 Rejected:4}
}

// A server asked the client to come back later (an HTTP 429 with a
// Retry-After header, say): the hint replaces the strategy's delay, bounded
// by WithMaxRetryAfter and by the context's deadline.
func ExampleAfter() {
	errTooMany := errors.New("429 too many requests")
	calls := 0
	err := retry.Do(context.Background(),
		func(ctx context.Context) error {
			calls++
			if calls == 1 {
				// The response said "Retry-After: 120".
				return retry.After(errTooMany, 120*time.Second)
			}
			return nil
		},
		retry.WithMaxRetryAfter(time.Millisecond),
		retry.WithOnRetry(func(attempt int, err error, delay time.Duration) {
			fmt.Printf("attempt %d: %v; waiting %v\n", attempt, err, delay)
		}),
	)
	fmt.Println("calls:", calls, "error:", err)
	// Output:
	// attempt 1: 429 too many requests; waiting 1ms
	// calls: 2 error: <nil>
}

// One of this package's strategies driving cenkalti's backoff.Retry.
func ExampleNewBackOff() {
	b, err := retry.NewBackOff(retry.Exponential(time.Nanosecond, 4*time.Nanosecond), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.NextBackOff(), b.NextBackOff(), b.NextBackOff(), b.NextBackOff())

	b.Reset()
	calls := 0
	err = backoff.Retry(func() error {
		calls++
		return errUnavailable
	}, backoff.WithMaxRetries(b, 2))
	fmt.Println("calls:", calls, "error:", err)
	// Output:
	// 1ns 2ns 4ns 4ns
	// calls: 3 error: service unavailable
}

// A cenkalti BackOff as the strategy of a call. WithBackOff takes a
// constructor: each call that retries gets its own BackOff, since a BackOff
// has state and a Policy may be shared.
func ExampleWithBackOff() {
	calls := 0
	err := retry.Do(context.Background(),
		func(ctx context.Context) error {
			calls++
			return errUnavailable
		},
		retry.WithMaxAttempts(10),
		retry.WithBackOff(func() backoff.BackOff {
			b := backoff.NewExponentialBackOff()
			b.InitialInterval = time.Nanosecond
			return backoff.WithMaxRetries(b, 3) // Stop after 3 retries
		}),
	)
	fmt.Println("calls:", calls)
	fmt.Println(err)
	// Output:
	// calls: 4
	// retry: backoff returned Stop after 4 attempts: service unavailable
}

// A Policy is built once and shared; its calls do not allocate when the
// first attempt succeeds.
func ExamplePolicy() {
	policy, err := retry.New(retry.WithMaxAttempts(4), retry.WithAttemptTimeout(time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = policy.Do(context.Background(), func(ctx context.Context) error {
		_, hasDeadline := ctx.Deadline()
		fmt.Println("attempt with its own deadline:", hasDeadline)
		return nil
	})
	fmt.Println(err)

	v, err := retry.Execute(context.Background(), policy, func(ctx context.Context) (string, error) {
		return "ok", nil
	})
	fmt.Println(v, err)
	// Output:
	// attempt with its own deadline: true
	// <nil>
	// ok <nil>
}
