package retry

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// sink keeps the compiler from optimizing the benchmarked calls away.
var sink error

func succeed(context.Context) error { return nil }

// succeedFn is succeed behind a variable, so that the direct call is an
// indirect call as it is inside a Policy, not an inlined nothing.
var succeedFn = succeed

// BenchmarkPolicy measures the overhead of a call whose fn succeeds at once:
// calling fn directly, through a Policy, through Execute, through the
// one-shot Do (which builds its options), and through cenkalti's
// backoff.Retry with a shared BackOff.
func BenchmarkPolicy(b *testing.B) {
	ctx := context.Background()
	p, err := New()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = succeedFn(ctx)
		}
	})
	b.Run("Policy.Do", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = p.Do(ctx, succeed)
		}
	})
	b.Run("Execute", func(b *testing.B) {
		b.ReportAllocs()
		fn := func(context.Context) (int, error) { return 1, nil }
		for b.Loop() {
			_, sink = Execute(ctx, p, fn)
		}
	})
	b.Run("Policy.Do/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := p.Do(ctx, succeed); err != nil {
					b.Error(err)
				}
			}
		})
	})
	b.Run("Do", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = Do(ctx, succeed)
		}
	})
	b.Run("backoff.Retry", func(b *testing.B) {
		b.ReportAllocs()
		bo := backoff.NewExponentialBackOff()
		op := func() error { return nil }
		for b.Loop() {
			sink = backoff.Retry(op, bo)
		}
	})
}

// BenchmarkPolicyBudget measures a Policy with a shared Budget under
// contention: every call deposits (time.Now and a mutex).
func BenchmarkPolicyBudget(b *testing.B) {
	budget, err := NewBudget()
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(WithBudget(budget))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := p.Do(ctx, succeed); err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkBudget measures a deposit and a withdrawal under contention.
func BenchmarkBudget(b *testing.B) {
	budget, err := NewBudget()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			budget.Deposit()
			budget.TryWithdraw()
		}
	})
}

var benchStrategies = []struct {
	name string
	s    Strategy
}{
	{"Exponential", Exponential(10*time.Millisecond, time.Second)},
	{"FullJitter", FullJitter(10*time.Millisecond, time.Second)},
	{"EqualJitter", EqualJitter(10*time.Millisecond, time.Second)},
	{"Decorrelated", Decorrelated(10*time.Millisecond, time.Second)},
	{"Constant", Constant(10 * time.Millisecond)},
}

var sinkDelay time.Duration

// BenchmarkDelay measures the computation of one delay per strategy, with
// the default random source and with a seeded PCG.
func BenchmarkDelay(b *testing.B) {
	sources := []struct {
		suffix string
		src    rand.Source
	}{
		{"", nil},
		{"/PCG", rand.NewPCG(1, 2)},
	}
	for _, tt := range benchStrategies {
		for _, src := range sources {
			b.Run(tt.name+src.suffix, func(b *testing.B) {
				b.ReportAllocs()
				var prev time.Duration
				n := 0
				for b.Loop() {
					prev = tt.s.Delay(n&7, prev, src.src)
					n++
				}
				sinkDelay = prev
			})
		}
	}
}
