package limit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"
)

// BenchmarkAcquireRelease measures one acquire and release of a free
// place: the bulkhead beside golang.org/x/sync/semaphore in the same run,
// the adaptive limiters (which read the clock twice) and the throttle.
// The parallel cases share one limiter between every goroutine, with room
// for all of them.
func BenchmarkAcquireRelease(b *testing.B) {
	ctx := context.Background()
	const n = 1 << 20
	cases := []struct {
		name string
		make func(b *testing.B) func()
	}{
		// One reading of the clock, of which the adaptive limiters take
		// two and the throttle one: the part of their cost that depends
		// on the machine.
		{"clock", func(b *testing.B) func() {
			base := time.Now()
			return func() {
				if time.Since(base) < 0 {
					b.Fatal("clock went back")
				}
			}
		}},
		{"semaphore", func(b *testing.B) func() {
			s := semaphore.NewWeighted(n)
			return func() {
				if err := s.Acquire(ctx, 1); err != nil {
					b.Fatal(err)
				}
				s.Release(1)
			}
		}},
		{"bulkhead", func(b *testing.B) func() { return permitLoop(b, newBulkhead(b, n)) }},
		{"vegas", func(b *testing.B) func() {
			a, _ := NewVegas(WithLimits(1, n), WithInitialLimit(n))
			return permitLoop(b, a)
		}},
		{"aimd", func(b *testing.B) func() {
			a, _ := NewAIMD(WithLimits(1, n), WithInitialLimit(n))
			return permitLoop(b, a)
		}},
		{"throttle", func(b *testing.B) func() {
			th, _ := NewThrottle()
			return permitLoop(b, th)
		}},
	}
	for _, c := range cases {
		b.Run(c.name+"/serial", func(b *testing.B) {
			f := c.make(b)
			b.ReportAllocs()
			for b.Loop() {
				f()
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			f := c.make(b)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					f()
				}
			})
		})
	}
}

func permitLoop(b *testing.B, l Limiter) func() {
	ctx := context.Background()
	return func() {
		p, err := l.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		p.Release(nil)
	}
}

// BenchmarkOverload offers a modelled dependency (2ms up to 50 calls in
// flight, then latency in proportion: 8ms at 200) 200 callers, each of
// which gives up on a call after 5ms (a call that takes longer is wasted
// work), through no limiter, a fixed bulkhead of 50 and the adaptive
// limiters. A rejected caller backs off 1ms. Reported: goodput (calls done
// within 5ms, per second), the p99 latency of admitted calls, and the
// share of attempts shed. Real time: noisy on a shared machine.
func BenchmarkOverload(b *testing.B) {
	cases := []struct {
		name string
		make func() (Limiter, error)
	}{
		{"none", func() (Limiter, error) { return nil, nil }},
		{"fixed-50", func() (Limiter, error) { return NewBulkhead(50) }},
		{"vegas", func() (Limiter, error) { return NewVegas(WithWindow(50*time.Millisecond, 10)) }},
		{"aimd", func() (Limiter, error) {
			return NewAIMD(WithWindow(50*time.Millisecond, 10), WithLatencyThreshold(3*time.Millisecond))
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			l, err := c.make()
			if err != nil {
				b.Fatal(err)
			}
			overload(b, l)
		})
	}
}

func overload(b *testing.B, l Limiter) {
	const (
		base    = 2 * time.Millisecond
		knee    = 50
		callers = 200
		timeout = 5 * time.Millisecond
	)
	var inflight, good, shed, attempts atomic.Int64
	lats := make([][]time.Duration, callers)
	var wg sync.WaitGroup
	var next atomic.Int64
	n := int64(b.N)
	ctx := context.Background()
	start := time.Now()
	for i := range callers {
		wg.Go(func() {
			for next.Add(1) <= n {
				attempts.Add(1)
				var p Permit
				if l != nil {
					var err error
					if p, err = l.Acquire(ctx); err != nil {
						shed.Add(1)
						time.Sleep(time.Millisecond)
						continue
					}
				}
				t0 := time.Now()
				k := inflight.Add(1)
				time.Sleep(time.Duration(int64(base) * max(k, knee) / knee))
				inflight.Add(-1)
				lat := time.Since(t0)
				lats[i] = append(lats[i], lat)
				var outcome error
				if lat <= timeout {
					good.Add(1)
				} else {
					outcome = errors.New("timeout")
				}
				p.Release(outcome)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lats...)
	slices.Sort(all)
	var p99 time.Duration
	if len(all) > 0 {
		p99 = all[len(all)*99/100]
	}
	b.ReportMetric(float64(good.Load())/elapsed.Seconds(), "goodput/s")
	b.ReportMetric(float64(p99)/float64(time.Millisecond), "p99-ms")
	b.ReportMetric(float64(shed.Load())/float64(max(attempts.Load(), 1)), "shed-share")
	if a, ok := l.(*Adaptive); ok {
		b.ReportMetric(float64(a.Limit()), "limit")
	}
	b.ReportMetric(0, "ns/op") // an op is an attempt; its time says nothing here
}

// BenchmarkKeyedBulkhead acquires and releases a place of one key, serially
// (the key is dropped at every release and made again at the next call)
// and over 64 keys in parallel.
func BenchmarkKeyedBulkhead(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		kb, err := NewKeyedBulkhead[int](1, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			p, err := kb.Acquire(ctx, 1)
			if err != nil {
				b.Fatal(err)
			}
			p.Release(nil)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		kb, err := NewKeyedBulkhead[int](1<<20, 0)
		if err != nil {
			b.Fatal(err)
		}
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			key := int(next.Add(1) % 64)
			for pb.Next() {
				p, err := kb.Acquire(ctx, key)
				if err != nil {
					b.Error(err) // not Fatal: this is not the benchmark's goroutine
					return
				}
				p.Release(nil)
			}
		})
	})
}
