// Command breaker trips a circuit breaker on a failing dependency, shows the
// calls it rejects while open, and its recovery after a successful probe.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "breaker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments, got %q", args)
	}
	const openFor = 100 * time.Millisecond
	b, err := breaker.New(breaker.WithName("payments"),
		breaker.WithConsecutiveFailures(3), breaker.WithOpenDuration(openFor),
		breaker.WithOnStateChange(func(name string, from, to breaker.State) {
			fmt.Fprintf(out, "  %s: %s -> %s\n", name, from, to)
		}))
	if err != nil {
		return err
	}
	call := func(dependencyErr error) {
		err := b.Do(ctx, func(context.Context) error { return dependencyErr })
		switch {
		case errors.Is(err, breaker.ErrOpen):
			fmt.Fprintln(out, "call rejected without reaching the dependency")
		case err != nil:
			fmt.Fprintln(out, "call failed:", err)
		default:
			fmt.Fprintln(out, "call succeeded")
		}
	}
	for range 5 {
		call(errors.New("503 service unavailable"))
	}
	select { // wait for the breaker to let a probe through
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(openFor + 20*time.Millisecond):
	}
	call(nil)
	fmt.Fprintf(out, "state %s, trips %d, rejected %d\n", b.State(), b.Stats().Trips, b.Stats().Rejected)
	return nil
}
