package queue

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// batch is the number of items one benchmark iteration moves from the
// producers to the consumers; it is divisible by every producer and
// consumer count used below.
const batch = 1 << 12

// benchProdCons moves batch items per iteration from p producer goroutines
// calling put to c consumer goroutines calling get. The goroutines live for
// the whole benchmark, so an iteration costs only the transfers and one
// start/finish handshake per goroutine.
func benchProdCons(b *testing.B, p, c int, put func(int), get func()) {
	b.Helper()
	var round, exited sync.WaitGroup
	starts := make([]chan struct{}, p+c)
	for i := range starts {
		start := make(chan struct{}, 1)
		starts[i] = start
		n, f := batch/c, func(int) { get() }
		if i < p {
			n, f = batch/p, put
		}
		exited.Go(func() {
			for range start {
				for j := range n {
					f(j)
				}
				round.Done()
			}
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		round.Add(p + c)
		for _, s := range starts {
			s <- struct{}{}
		}
		round.Wait()
	}
	for _, s := range starts {
		close(s)
	}
	exited.Wait()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/item")
}

func BenchmarkQueue(b *testing.B) {
	ctx := context.Background()
	for _, capacity := range []int{16, 256} {
		for _, pc := range []int{1, 4, 16} {
			name := fmt.Sprintf("cap=%d/%dx%d", capacity, pc, pc)
			b.Run("chan/"+name, func(b *testing.B) {
				ch := make(chan int, capacity)
				benchProdCons(b, pc, pc, func(v int) { ch <- v }, func() { <-ch })
			})
			b.Run("Queue/"+name, func(b *testing.B) {
				q, err := New[int](capacity)
				if err != nil {
					b.Fatal(err)
				}
				benchProdCons(b, pc, pc,
					func(v int) { _ = q.Put(ctx, v) },
					func() { _, _ = q.Get(ctx) })
			})
		}
	}
}

// BenchmarkQueueCancellable is BenchmarkQueue with a ctx that can be
// cancelled, which takes the select paths of Put and Get.
func BenchmarkQueueCancellable(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, pc := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("cap=256/%dx%d", pc, pc), func(b *testing.B) {
			q, err := New[int](256)
			if err != nil {
				b.Fatal(err)
			}
			benchProdCons(b, pc, pc,
				func(v int) { _ = q.Put(ctx, v) },
				func() { _, _ = q.Get(ctx) })
		})
	}
}

// BenchmarkQueueSequential puts and gets one item in one goroutine: the
// cost of the calls themselves, without contention or parking.
func BenchmarkQueueSequential(b *testing.B) {
	ctx := context.Background()
	b.Run("chan", func(b *testing.B) {
		ch := make(chan int, 1)
		b.ReportAllocs()
		for b.Loop() {
			ch <- 1
			<-ch
		}
	})
	b.Run("Queue", func(b *testing.B) {
		q, err := New[int](1)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = q.Put(ctx, 1)
			_, _ = q.Get(ctx)
		}
	})
	b.Run("Queue/Try", func(b *testing.B) {
		q, err := New[int](1)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = q.TryPut(1)
			_, _ = q.TryGet()
		}
	})
}

// handler is what the pool benchmarks run per item: nothing (the per-item
// overhead), or an I/O-like wait.
type handler func(context.Context, int) error

func trivial(context.Context, int) error { return nil }

func ioLike(context.Context, int) error {
	time.Sleep(50 * time.Microsecond)
	return nil
}

// chanWorkers is the baseline the pool is measured against: a buffered
// channel feeding a fixed set of goroutines that call h.
func chanWorkers(workers, capacity int, h handler) (submit func(int), stop func()) {
	ch := make(chan int, capacity)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			ctx := context.Background()
			for v := range ch {
				_ = h(ctx, v)
			}
		})
	}
	return func(v int) { ch <- v }, func() { close(ch); wg.Wait() }
}

// poolWorkers is chanWorkers with a Pool.
func poolWorkers(b *testing.B, workers, capacity int, h handler) (submit func(int), stop func()) {
	p, err := NewPool(h, WithWorkers(workers), WithCapacity(capacity))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	return func(v int) { _ = p.Submit(ctx, v) }, func() {
		if _, err := p.Shutdown(ctx); err != nil {
			b.Error(err)
		}
	}
}

// BenchmarkPool measures the cost per item of a Pool with a trivial
// handler against a channel feeding the same number of goroutines, with
// one submitter and with GOMAXPROCS submitters.
func BenchmarkPool(b *testing.B) {
	impls := []struct {
		name  string
		start func(b *testing.B, workers, capacity int, h handler) (func(int), func())
	}{
		{"chan", func(_ *testing.B, w, c int, h handler) (func(int), func()) { return chanWorkers(w, c, h) }},
		{"Pool", poolWorkers},
	}
	for _, workers := range []int{1, 4, 16} {
		for _, impl := range impls {
			b.Run(fmt.Sprintf("%s/workers=%d/submitters=1", impl.name, workers), func(b *testing.B) {
				submit, stop := impl.start(b, workers, 256, trivial)
				b.ReportAllocs()
				for b.Loop() {
					submit(1)
				}
				stop()
			})
			b.Run(fmt.Sprintf("%s/workers=%d/submitters=parallel", impl.name, workers), func(b *testing.B) {
				submit, stop := impl.start(b, workers, 256, trivial)
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						submit(1)
					}
				})
				stop()
			})
		}
	}
}

// BenchmarkPoolIO runs an I/O-like handler (a 50µs wait) on 64 workers,
// where the pool's own cost should vanish next to the handler's.
func BenchmarkPoolIO(b *testing.B) {
	const workers = 64
	for _, impl := range []string{"chan", "Pool"} {
		b.Run(impl, func(b *testing.B) {
			var submit func(int)
			var stop func()
			if impl == "Pool" {
				submit, stop = poolWorkers(b, workers, 256, ioLike)
			} else {
				submit, stop = chanWorkers(workers, 256, ioLike)
			}
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				submit(1)
			}
			stop()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "items/s")
		})
	}
}
