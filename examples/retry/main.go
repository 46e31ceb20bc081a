// Command retry retries a flaky call with jittered exponential backoff,
// and shows that a permanent error is not retried.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/holdfast-go/holdfast/retry"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "retry:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments, got %q", args)
	}
	calls := 0
	flaky := func(ctx context.Context) (string, error) {
		if calls++; calls < 3 {
			return "", errors.New("connection reset")
		}
		return "pong", nil
	}
	v, err := retry.DoValue(ctx, flaky,
		retry.WithMaxAttempts(5),
		retry.WithStrategy(retry.FullJitter(10*time.Millisecond, 200*time.Millisecond)),
		retry.WithOnRetry(func(attempt int, err error, _ time.Duration) {
			fmt.Fprintf(out, "attempt %d failed: %v; retrying\n", attempt, err)
		}))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "got %q after %d attempts\n", v, calls)

	err = retry.Do(ctx, func(context.Context) error {
		return retry.Permanent(errors.New("404 not found"))
	})
	var re *retry.Error
	if errors.As(err, &re) {
		fmt.Fprintf(out, "not retried: %d attempt, last error %q\n", re.Attempts, errors.Unwrap(re.Err))
	}
	return nil
}
