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

// byHand is the pipeline's retry, limiter and breaker nested by hand, as a
// user would write them.
func (bp benchPieces) byHand(ctx context.Context) (int, error) {
	return retry.Execute(ctx, bp.policy, func(ctx context.Context) (int, error) {
		permit, err := bp.bulkhead.Acquire(ctx)
		if err != nil {
			return 0, err
		}
		v, err := breaker.Execute(ctx, bp.breaker, succeed)
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
// with both timeouts too.
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
