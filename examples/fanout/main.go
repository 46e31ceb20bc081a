// Command fanout asks several shops for a price at once, never more than two
// at a time: first failing fast on the first error, then collecting every
// outcome.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fanout:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments, got %q", args)
	}
	var running, peak atomic.Int64
	quote := func(ctx context.Context, shop string) (int, error) {
		n := running.Add(1) // count the calls running, and record the peak
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if shop == "closed" {
			return 0, fmt.Errorf("shop %q: 503 service unavailable", shop)
		}
		return 100 + len(shop), nil
	}
	shops := []string{"north", "south", "east", "west", "online"}
	prices, err := fanout.Map(ctx, shops, quote, fanout.WithLimit(2))
	fmt.Fprintf(out, "Map: prices %v, err %v, at most %d calls at once\n", prices, err, peak.Load())

	_, err = fanout.Map(ctx, append(shops, "closed"), quote, fanout.WithLimit(2))
	fmt.Fprintf(out, "Map, one shop closed: %v\n", err)

	results, _ := fanout.MapAll(ctx, append(shops, "closed"), quote, fanout.WithLimit(2))
	for i, r := range results[len(shops)-1:] {
		fmt.Fprintf(out, "MapAll: item %d: price %d, err %v\n", len(shops)-1+i, r.Value, r.Err)
	}
	return nil
}
