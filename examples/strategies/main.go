// Command strategies runs the built-in scenarios of package sim, each with
// its strategies, and prints a table per scenario; with -svg it also writes
// a chart of goodput and p99 over time per scenario.
//
//	go run ./examples/strategies
//	go run ./examples/strategies -scenario hedging,brownout -svg out
//
// The runs are in virtual time and deterministic: -seed picks the run.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "strategies:", err)
		os.Exit(1)
	}
}
