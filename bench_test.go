package holdfast

import (
	"context"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// benchPieces are the pieces of the benchmarks, built once.
type benchPieces struct {
	policy   *retry.Policy
	breaker  *breaker.Breaker
	bulkhead *limit.Bulkhead
}

func newBenchPieces(b *testing.B) benchPieces {
	b.Helper()
	policy, err := retry.New(retry.WithMaxAttempts(3))
	if err != nil {
		b.Fatal(err)
	}
	br, err := breaker.New()
	if err != nil {
		b.Fatal(err)
	}
	bh, err := limit.NewBulkhead(1 << 20)
	if err != nil {
		b.Fatal(err)
	}
	return benchPieces{policy, br, bh}
}

func succeed(context.Context) (int, error) { return 1, nil }

// lookup is a dependency call that takes an argument, as most do: the fn
// run through a pipeline is then a closure over it.
//
//go:noinline
func lookup(_ context.Context, key string) (int, error) { return len(key), nil }

// byHand is the pipeline's retry, limiter and breaker nested by hand, as a
// user would write them.
func (bp benchPieces) byHand(ctx context.Context) (int, error) {
	return bp.nested(ctx, succeed)
}

// nested runs fn under the retry, limiter and breaker nested by hand.
func (bp benchPieces) nested(ctx context.Context, fn func(context.Context) (int, error)) (int, error) {
	return retry.Execute(ctx, bp.policy, func(ctx context.Context) (int, error) {
		permit, err := bp.bulkhead.Acquire(ctx)
		if err != nil {
			return 0, err
		}
		v, err := breaker.Execute(ctx, bp.breaker, fn)
		permit.Release(err)
		return v, err
	})
}

// byHandTimed adds the two timeouts to byHand.
func (bp benchPieces) byHandTimed(ctx context.Context) (int, error) {
	ctx, cancel := deadline.WithTimeout(ctx, LayerCall, time.Minute)
	defer cancel()
	return retry.Execute(ctx, bp.policy, func(ctx context.Context) (int, error) {
		permit, err := bp.bulkhead.Acquire(ctx)
		if err != nil {
			return 0, err
		}
		v, err := breaker.Execute(ctx, bp.breaker, func(ctx context.Context) (int, error) {
			ctx, cancel := deadline.WithTimeout(ctx, LayerAttempt, time.Second)
			defer cancel()
			return succeed(ctx)
		})
		permit.Release(err)
		return v, err
	})
}

// BenchmarkPipeline compares a call through a Pipeline with the same pieces
// nested by hand, on the success path: retry, limiter and breaker, then
// with both timeouts too, then with a fn that is a closure.
func BenchmarkPipeline(b *testing.B) {
	bp := newBenchPieces(b)
	pieces := []Option{WithRetry(bp.policy), WithLimiter(bp.bulkhead), WithBreaker(bp.breaker)}
	plain, err := New(pieces...)
	if err != nil {
		b.Fatal(err)
	}
	timed, err := New(append(pieces, WithTimeout(time.Minute), WithAttemptTimeout(time.Second))...)
	if err != nil {
		b.Fatal(err)
	}
	benchmarks := []struct {
		name string
		call func(context.Context) (int, error)
	}{
		{"pipeline", func(ctx context.Context) (int, error) { return Run(ctx, plain, succeed) }},
		{"by-hand", bp.byHand},
		{"pipeline-timeouts", func(ctx context.Context) (int, error) { return Run(ctx, timed, succeed) }},
		{"by-hand-timeouts", bp.byHandTimed},
		// fn a closure over the call's argument, as in the README: the
		// pipeline allocates it (it may hand fn to a hedge's goroutines),
		// the nesting by hand does not.
		{"pipeline-closure", func(ctx context.Context) (int, error) {
			key := "sku"
			return Run(ctx, plain, func(ctx context.Context) (int, error) { return lookup(ctx, key) })
		}},
		{"by-hand-closure", func(ctx context.Context) (int, error) {
			key := "sku"
			return bp.nested(ctx, func(ctx context.Context) (int, error) { return lookup(ctx, key) })
		}},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name+"/serial", func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.call(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bm.name+"/parallel", func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := bm.call(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
