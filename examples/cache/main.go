// Command cache reads through a two-tier cache: a stampede of 50 concurrent
// misses on one key makes a single load, and later reads are answered by the
// in-process tier without touching the shared one.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/holdfast-go/holdfast/cache"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cache:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments, got %q", args)
	}
	users, err := cache.New[string]() // an in-memory Store; cache/redis for Redis
	if err != nil {
		return err
	}
	defer users.Close()
	var loads atomic.Int64
	load := func(ctx context.Context) (string, error) {
		loads.Add(1) // the database query
		return "Ada Lovelace", nil
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _, _ = users.GetOrLoad(ctx, "user:42", load) })
	}
	wg.Wait()
	name, err := users.Get(ctx, "user:42")
	if err != nil {
		return err
	}
	st := users.Stats()
	fmt.Fprintf(out, "user:42 = %q; 51 reads, %d load (local hits %d, misses %d)\n",
		name, loads.Load(), st.LocalHits, st.Misses)
	return nil
}
