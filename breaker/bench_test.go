package breaker

import (
	"context"
	"errors"
	"testing"
	"time"
)

var errBench = errors.New("bench: failure")

func ok(context.Context) error { return nil }

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

// BenchmarkBaseline calls fn directly: the figure to subtract from the
// closed-state benchmarks. Its clock case is one reading of the clock, as a
// time window takes per call (and the slow-call rule twice): the part of
// their cost that depends on the machine.
func BenchmarkBaseline(b *testing.B) {
	ctx := context.Background()
	fn := ok
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
	ctx := context.Background()
	for _, bc := range benchConfigs {
		b.Run(bc.name+"/serial", func(b *testing.B) {
			br := newBench(b, bc.opts...)
			b.ReportAllocs()
			for b.Loop() {
				_ = br.Do(ctx, ok)
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			br := newBench(b, bc.opts...)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_ = br.Do(ctx, ok)
				}
			})
		})
	}
}

// BenchmarkDoClosedFailures records one failure in 100 calls, below every
// threshold, so the breaker stays closed, and a window always holds a
// failure.
func BenchmarkDoClosedFailures(b *testing.B) {
	ctx := context.Background()
	failing := func(context.Context) error { return errBench }
	call := func(br *Breaker, i int) {
		if i%100 == 0 {
			_ = br.Do(ctx, failing)
		} else {
			_ = br.Do(ctx, ok)
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

func BenchmarkDoOpen(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		br := newBench(b, WithConsecutiveFailures(1), WithOpenDuration(time.Hour))
		_ = br.Do(ctx, func(context.Context) error { return errBench })
		b.ReportAllocs()
		for b.Loop() {
			_ = br.Do(ctx, ok)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		br := newBench(b, WithConsecutiveFailures(1), WithOpenDuration(time.Hour))
		_ = br.Do(ctx, func(context.Context) error { return errBench })
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = br.Do(ctx, ok)
			}
		})
	})
	b.Run("forced", func(b *testing.B) {
		br := newBench(b)
		br.ForceOpen()
		b.ReportAllocs()
		for b.Loop() {
			_ = br.Do(ctx, ok)
		}
	})
	b.Run("forced-parallel", func(b *testing.B) {
		br := newBench(b)
		br.ForceOpen()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = br.Do(ctx, ok)
			}
		})
	})
}

// BenchmarkDoHalfOpen measures a half-open breaker whose probe places are
// all taken (by a call that never ends): the rejection path.
func BenchmarkDoHalfOpen(b *testing.B) {
	ctx := context.Background()
	br := newBench(b, WithConsecutiveFailures(1), WithOpenDuration(0))
	_ = br.Do(ctx, func(context.Context) error { return errBench })
	if _, err := br.Allow(); err != nil { // the probe, never finished
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Do(ctx, ok)
	}
}

// BenchmarkCycle measures a full cycle: trip, half-open, probe, close.
func BenchmarkCycle(b *testing.B) {
	ctx := context.Background()
	br := newBench(b, WithConsecutiveFailures(1), WithOpenDuration(0))
	fail := func(context.Context) error { return errBench }
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Do(ctx, fail)
		_ = br.Do(ctx, ok)
	}
	b.ReportMetric(float64(br.Stats().Trips)/float64(b.N), "trips/op")
}
