package fanout_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
	"golang.org/x/sync/errgroup"
)

// The benchmarks compare each call with the loop it replaces: errgroup with
// SetLimit, a goroutine per item. Sub-benchmarks run over the work (trivial,
// or yield: runtime.Gosched, a stand-in for a call that blocks briefly),
// the limit and the number of items; ns/item and allocs/item are the
// figures to compare. BenchmarkMap also runs the work in a plain loop, one
// item after another, to show what the work itself costs.

var (
	benchLimits = []int{1, 8, 64}
	benchSizes  = []int{10, 10_000}
	benchWorks  = []struct {
		name string
		fn   func(context.Context, int) (int, error)
	}{
		{"trivial", func(_ context.Context, x int) (int, error) { return 2*x + 1, nil }},
		{"yield", func(_ context.Context, x int) (int, error) {
			runtime.Gosched()
			return 2*x + 1, nil
		}},
	}
)

// benchPerItem runs op in the benchmark loop and reports its cost per item.
func benchPerItem(b *testing.B, items int, op func()) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		op()
	}
	runtime.ReadMemStats(&after)
	n := float64(b.N) * float64(items)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/item")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/item")
}

// benchMatrix runs impls over every work, limit and size.
func benchMatrix(b *testing.B, impls map[string]func(items []int, fn func(context.Context, int) (int, error), limit int)) {
	names := make([]string, 0, len(impls))
	for name := range impls {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, w := range benchWorks {
		for _, limit := range benchLimits {
			for _, size := range benchSizes {
				items := seqInts(size)
				for _, name := range names {
					b.Run(fmt.Sprintf("%s/limit=%d/items=%d/%s", w.name, limit, size, name), func(b *testing.B) {
						benchPerItem(b, size, func() { impls[name](items, w.fn, limit) })
					})
				}
			}
		}
	}
}

func BenchmarkMap(b *testing.B) {
	ctx := context.Background()
	benchMatrix(b, map[string]func([]int, func(context.Context, int) (int, error), int){
		// loop is the work alone, one item after another: what is left of
		// the others once it is subtracted is their overhead.
		"loop": func(items []int, fn func(context.Context, int) (int, error), _ int) {
			out := make([]int, len(items))
			for i, x := range items {
				v, err := fn(ctx, x)
				if err != nil {
					b.Fatal(err)
				}
				out[i] = v
			}
		},
		"fanout": func(items []int, fn func(context.Context, int) (int, error), limit int) {
			if _, err := fanout.Map(ctx, items, fn, fanout.WithLimit(limit)); err != nil {
				b.Fatal(err)
			}
		},
		"errgroup": func(items []int, fn func(context.Context, int) (int, error), limit int) {
			g, ctx := errgroup.WithContext(ctx)
			g.SetLimit(limit)
			out := make([]int, len(items))
			for i, x := range items {
				g.Go(func() error {
					v, err := fn(ctx, x)
					out[i] = v
					return err
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		},
	})
}

func BenchmarkForEach(b *testing.B) {
	ctx := context.Background()
	benchMatrix(b, map[string]func([]int, func(context.Context, int) (int, error), int){
		"fanout": func(items []int, fn func(context.Context, int) (int, error), limit int) {
			err := fanout.ForEach(ctx, items, func(ctx context.Context, x int) error {
				_, err := fn(ctx, x)
				return err
			}, fanout.WithLimit(limit))
			if err != nil {
				b.Fatal(err)
			}
		},
		"errgroup": errgroupEach(ctx, b),
	})
}

func BenchmarkGroup(b *testing.B) {
	ctx := context.Background()
	benchMatrix(b, map[string]func([]int, func(context.Context, int) (int, error), int){
		"fanout": func(items []int, fn func(context.Context, int) (int, error), limit int) {
			g, _, err := fanout.New(ctx, fanout.WithLimit(limit))
			if err != nil {
				b.Fatal(err)
			}
			for _, x := range items {
				g.Go(func(ctx context.Context) error {
					_, err := fn(ctx, x)
					return err
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		},
		"errgroup": errgroupEach(ctx, b),
	})
}

// errgroupEach is the hand-written loop that ForEach and Group replace:
// errgroup with SetLimit, one goroutine per item.
func errgroupEach(ctx context.Context, b *testing.B) func([]int, func(context.Context, int) (int, error), int) {
	return func(items []int, fn func(context.Context, int) (int, error), limit int) {
		g, ctx := errgroup.WithContext(ctx)
		g.SetLimit(limit)
		for _, x := range items {
			g.Go(func() error {
				_, err := fn(ctx, x)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStream measures Stream's throughput over 10,000 items, in both
// orders, and reports items/s besides the cost per item.
func BenchmarkStream(b *testing.B) {
	const size = 10_000
	items := seqInts(size)
	for _, w := range benchWorks {
		for _, ordered := range []bool{true, false} {
			for _, limit := range benchLimits {
				b.Run(fmt.Sprintf("%s/ordered=%v/limit=%d", w.name, ordered, limit), func(b *testing.B) {
					it := fanout.Stream(context.Background(), slices.Values(items), w.fn,
						fanout.WithLimit(limit), fanout.WithOrdered(ordered))
					benchPerItem(b, size, func() {
						for _, err := range it {
							if err != nil {
								b.Fatal(err)
							}
						}
					})
					b.ReportMetric(float64(b.N)*size/b.Elapsed().Seconds(), "items/s")
				})
			}
		}
	}
}

// BenchmarkHedge measures Hedge's own cost: "first" is the common case, the
// first call answering before the delay; "failover" is a first call that
// fails at once, so that the backup starts without waiting for the delay.
func BenchmarkHedge(b *testing.B) {
	ctx := context.Background()
	errFirst := fmt.Errorf("first call fails")
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		fn := func(context.Context) (int, error) { return 1, nil }
		for b.Loop() {
			if _, err := fanout.Hedge(ctx, fn, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("failover", func(b *testing.B) {
		b.ReportAllocs()
		var n atomic.Int64
		fn := func(context.Context) (int, error) {
			if n.Add(1)%2 == 1 {
				return 0, errFirst
			}
			return 1, nil
		}
		for b.Loop() {
			if _, err := fanout.Hedge(ctx, fn, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
}
