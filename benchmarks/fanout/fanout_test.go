// Package fanout_test compares holdfast's fanout.Map with the ways a Go
// programmer would otherwise map a slice concurrently under a limit:
// golang.org/x/sync/errgroup with SetLimit, sourcegraph/conc's iter.Mapper
// and a task group of alitto/pond v2's ResultPool.
//
// The work is the same on every side: map n items to n results, in input
// order, with at most limit calls running at once. A trivial task doubles
// its item; an I/O-like task sleeps 1ms first (it blocks without using a
// CPU, as a network call does). Every side that can stops on the first
// error (none happens here); conc's Mapper has no context to cancel.
package fanout_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/sourcegraph/conc/iter"
	"golang.org/x/sync/errgroup"

	"github.com/holdfast-go/holdfast/fanout"
)

// ioLatency is how long an I/O-like task blocks. Go's timers on Linux
// sleep at least about 1ms when the process is otherwise idle, so a shorter
// figure would only pretend to be shorter.
const ioLatency = time.Millisecond

var (
	itemCounts = []int{10, 10_000}
	limits     = []int{8, 64}
)

// task is the work done for one item.
type task struct {
	name string
	fn   func(int) (int, error)
}

var tasks = []task{
	{"trivial", func(v int) (int, error) { return 2 * v, nil }},
	{"io", func(v int) (int, error) {
		time.Sleep(ioLatency)
		return 2 * v, nil
	}},
}

// mapper is one library's ordered, limited map.
type mapper struct {
	name string
	// build returns a map from items to fn's results that runs at most
	// limit calls of fn at once. Anything long-lived (a pool) is built
	// once here and released with tb.Cleanup.
	build func(tb testing.TB, limit int, fn func(int) (int, error)) func(ctx context.Context, items []int) ([]int, error)
}

var mappers = []mapper{
	{"holdfast", func(_ testing.TB, limit int, fn func(int) (int, error)) func(context.Context, []int) ([]int, error) {
		opts := []fanout.Option{fanout.WithLimit(limit)}
		f := func(_ context.Context, v int) (int, error) { return fn(v) }
		return func(ctx context.Context, items []int) ([]int, error) {
			return fanout.Map(ctx, items, f, opts...)
		}
	}},
	{"errgroup", func(_ testing.TB, limit int, fn func(int) (int, error)) func(context.Context, []int) ([]int, error) {
		return func(ctx context.Context, items []int) ([]int, error) {
			g, _ := errgroup.WithContext(ctx)
			g.SetLimit(limit)
			out := make([]int, len(items))
			for i, v := range items {
				g.Go(func() error {
					r, err := fn(v)
					out[i] = r
					return err
				})
			}
			return out, g.Wait()
		}
	}},
	{"conc", func(_ testing.TB, limit int, fn func(int) (int, error)) func(context.Context, []int) ([]int, error) {
		m := iter.Mapper[int, int]{MaxGoroutines: limit}
		f := func(v *int) (int, error) { return fn(*v) }
		return func(_ context.Context, items []int) ([]int, error) {
			return m.MapErr(items, f)
		}
	}},
	{"pond", func(tb testing.TB, limit int, fn func(int) (int, error)) func(context.Context, []int) ([]int, error) {
		pool := pond.NewResultPool[int](limit)
		tb.Cleanup(pool.StopAndWait)
		return func(ctx context.Context, items []int) ([]int, error) {
			g := pool.NewGroupContext(ctx)
			for _, v := range items {
				g.SubmitErr(func() (int, error) { return fn(v) })
			}
			return g.Wait()
		}
	}},
}

// BenchmarkMap maps n items through each side, one op being the whole map.
func BenchmarkMap(b *testing.B) {
	for _, t := range tasks {
		for _, n := range itemCounts {
			items := make([]int, n)
			for i := range items {
				items[i] = i
			}
			for _, limit := range limits {
				for _, m := range mappers {
					name := fmt.Sprintf("task=%s/items=%d/limit=%d/impl=%s", t.name, n, limit, m.name)
					b.Run(name, func(b *testing.B) { benchMap(b, m, t, limit, items) })
				}
			}
		}
	}
}

func benchMap(b *testing.B, m mapper, t task, limit int, items []int) {
	do := m.build(b, limit, t.fn)
	ctx := context.Background()
	b.ReportAllocs()
	var out []int
	for b.Loop() {
		var err error
		if out, err = do(ctx, items); err != nil {
			b.Fatal(err)
		}
	}
	checkDoubled(b, items, out)
}

// checkDoubled fails tb unless out holds every item doubled, in order.
func checkDoubled(tb testing.TB, items, out []int) {
	tb.Helper()
	if len(out) != len(items) {
		tb.Fatalf("map returned %d results, want %d", len(out), len(items))
	}
	for i, v := range items {
		if out[i] != 2*v {
			tb.Fatalf("result %d = %d, want %d", i, out[i], 2*v)
		}
	}
}
