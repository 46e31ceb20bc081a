package breaker

import (
	"context"
	"testing"
	"time"
)

// benchConfigs are the closed-state configurations measured: the default
// rule alone, each window, and the slow-call rule (which times calls).
var benchConfigs = []struct {
	name string
	opts []Option
}{
	{"consecutive", nil},
	{"count-window", []Option{WithFailureRate(0.5), WithCountWindow(100)}},
	{"time-window", []Option{WithFailureRate(0.5), WithTimeWindow(time.Minute, 60)}},
	{"slow-call", []Option{WithSlowCall(time.Second, 0.5)}},
}

func newBench(b *testing.B, opts ...Option) *Breaker {
	b.Helper()
	br, err := New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	return br
}

// benchDo measures br.Do with a succeeding fn on a breaker made by newBr, as
// the sub-benchmarks name/serial and name/parallel.
func benchDo(b *testing.B, name string, newBr func(*testing.B) *Breaker) {
	ctx := context.Background()
	b.Run(name+"/serial", func(b *testing.B) {
		br := newBr(b)
		b.ReportAllocs()
		for b.Loop() {
			_ = br.Do(ctx, succeed)
		}
	})
	b.Run(name+"/parallel", func(b *testing.B) {
		br := newBr(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = br.Do(ctx, succeed)
			}
		})
	})
}

// BenchmarkBaseline calls fn directly: the figure to subtract from the
// closed-state benchmarks. Its clock case is one reading of the clock, as a
// time window takes per call (and the slow-call rule twice): the part of
// their cost that depends on the machine.
func BenchmarkBaseline(b *testing.B) {
	ctx := context.Background()
	fn := succeed
	b.Run("clock", func(b *testing.B) {
		base := time.Now()
		var sum time.Duration
		b.ReportAllocs()
		for b.Loop() {
			sum += time.Since(base)
		}
		if sum < 0 {
			b.Fatal("the monotonic clock went back")
		}
	})
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = fn(ctx)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = fn(ctx)
			}
		})
	})
}

func BenchmarkDoClosed(b *testing.B) {
	for _, bc := range benchConfigs {
		benchDo(b, bc.name, func(b *testing.B) *Breaker { return newBench(b, bc.opts...) })
	}
}

// BenchmarkDoClosedFailures records one failure in 100 calls, below every
// threshold, so the breaker stays closed, and a window always holds a
// failure.
func BenchmarkDoClosedFailures(b *testing.B) {
	ctx := context.Background()
	call := func(br *Breaker, i int) {
		if i%100 == 0 {
			_ = br.Do(ctx, fail)
		} else {
			_ = br.Do(ctx, succeed)
		}
	}
	for _, bc := range benchConfigs[:3] {
		b.Run(bc.name+"/serial", func(b *testing.B) {
			br := newBench(b, bc.opts...)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				call(br, i)
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			br := newBench(b, bc.opts...)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					call(br, i)
				}
			})
		})
	}
}

func BenchmarkExecuteClosed(b *testing.B) {
	ctx := context.Background()
	br := newBench(b)
	fn := func(context.Context) (int, error) { return 1, nil }
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Execute(ctx, br, fn)
	}
}

func BenchmarkAllowClosed(b *testing.B) {
	for _, bc := range benchConfigs {
		b.Run(bc.name, func(b *testing.B) {
			br := newBench(b, bc.opts...)
			b.ReportAllocs()
			for b.Loop() {
				done, err := br.Allow()
				if err == nil {
					done(nil)
				}
			}
		})
	}
}

// BenchmarkDoOpen measures the rejections of a breaker tripped (open for an
// hour) and of one forced open.
func BenchmarkDoOpen(b *testing.B) {
	benchDo(b, "tripped", func(b *testing.B) *Breaker {
		br := newBench(b, WithConsecutiveFailures(1), WithOpenDuration(time.Hour))
		_ = br.Do(context.Background(), fail)
		return br
	})
	benchDo(b, "forced", func(b *testing.B) *Breaker {
		br := newBench(b)
		br.ForceOpen()
		return br
	})
}

// BenchmarkDoHalfOpen measures a half-open breaker whose probe places are
// all taken (by a call that never ends): the rejection path.
func BenchmarkDoHalfOpen(b *testing.B) {
	ctx := context.Background()
	br := newBench(b, WithConsecutiveFailures(1), WithOpenDuration(0))
	_ = br.Do(ctx, fail)
	if _, err := br.Allow(); err != nil { // the probe, never finished
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Do(ctx, succeed)
	}
}

// BenchmarkCycle measures a full cycle: trip, half-open, probe, close.
func BenchmarkCycle(b *testing.B) {
	ctx := context.Background()
	br := newBench(b, WithConsecutiveFailures(1), WithOpenDuration(0))
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Do(ctx, fail)
		_ = br.Do(ctx, succeed)
	}
	b.ReportMetric(float64(br.Stats().Trips)/float64(b.N), "trips/op")
}
