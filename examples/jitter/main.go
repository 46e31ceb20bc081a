// Command jitter compares retry backoff strategies under contention.
//
// It runs sim.Jitter, the simulation of the AWS Architecture Blog
// article "Exponential Backoff And Jitter": clients that all write to one
// resource at once, where attempts falling in the same slot collide and only
// the first succeeds. For each strategy and client count it prints the total
// calls (the work the resource did) and the time until the last client
// succeeded, averaged over several seeds. The run is in virtual time and
// deterministic.
//
//	go run ./examples/jitter
//	go run ./examples/jitter -clients 10,50,100,200 -svg jitter.svg
//
// With -svg it also writes both series as a chart to open in a browser.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "jitter:", err)
		os.Exit(1)
	}
}
