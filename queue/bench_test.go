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

// prodCons is a set of p producer goroutines calling put and c consumer
// goroutines calling get that, per round, move batch items. The goroutines
// live until stop, so a round costs only the transfers and one
// start/finish handshake per goroutine.
type prodCons struct {
	starts []chan struct{}
	round  sync.WaitGroup
	exited sync.WaitGroup
}

func startProdCons(p, c int, put func(int), get func()) *prodCons {
	pc := &prodCons{starts: make([]chan struct{}, p+c)}
	for i := range pc.starts {
		start := make(chan struct{}, 1)
		pc.starts[i] = start
		n, f := batch/c, func(int) { get() }
		if i < p {
			n, f = batch/p, put
		}
		pc.exited.Go(func() {
			for range start {
				for j := range n {
					f(j)
				}
				pc.round.Done()
			}
		})
	}
	return pc
}

// run moves one batch and returns how long it took.
func (pc *prodCons) run() time.Duration {
	start := time.Now()
	pc.round.Add(len(pc.starts))
	for _, s := range pc.starts {
		s <- struct{}{}
	}
	pc.round.Wait()
	return time.Since(start)
}

func (pc *prodCons) stop() {
	for _, s := range pc.starts {
		close(s)
	}
	pc.exited.Wait()
}

// benchProdCons moves batch items per iteration from p producers calling
// put to c consumers calling get.
func benchProdCons(b *testing.B, p, c int, put func(int), get func()) {
	b.Helper()
	pc := startProdCons(p, c, put, get)
	b.ReportAllocs()
	for b.Loop() {
		pc.run()
	}
	pc.stop()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/item")
}

// BenchmarkQueueVsChan alternates batches through a plain channel and a
// Queue of the same capacity, so that both see the same machine load, and
// reports the ratio of their throughputs (chan time / Queue time: 1 means
// as fast as the channel). On a shared machine this ratio is steadier than
// one computed from two separate benchmarks.
func BenchmarkQueueVsChan(b *testing.B) {
	ctx := context.Background()
	for _, capacity := range []int{16, 64, 256, 1024} {
		for _, n := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("cap=%d/%dx%d", capacity, n, n), func(b *testing.B) {
				ch := make(chan int, capacity)
				q, err := New[int](capacity)
				if err != nil {
					b.Fatal(err)
				}
				viaChan := startProdCons(n, n, func(v int) { ch <- v }, func() { <-ch })
				viaQueue := startProdCons(n, n,
					func(v int) { _ = q.Put(ctx, v) },
					func() { _, _ = q.Get(ctx) })
				var chanTime, queueTime time.Duration
				b.ReportAllocs()
				for b.Loop() {
					chanTime += viaChan.run()
					queueTime += viaQueue.run()
				}
				viaChan.stop()
				viaQueue.stop()
				items := float64(b.N * batch)
				b.ReportMetric(float64(chanTime.Nanoseconds())/items, "chan-ns/item")
				b.ReportMetric(float64(queueTime.Nanoseconds())/items, "queue-ns/item")
				b.ReportMetric(chanTime.Seconds()/queueTime.Seconds(), "ratio")
			})
		}
	}
}

// BenchmarkQueueCancellable moves items through a Queue with a ctx that
// can be cancelled, which takes the select paths of Put and Get.
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

// BenchmarkPoolSlot puts and gets one item in one goroutine through a
// queue of T, as a Pool's queue was, and through a queue of the Pool's
// slots: unstamped (no observer: the Pool's hot path) and stamped (with an
// observer: one clock read more). The difference between the first two
// is the cost of carrying the submit time in every slot.
func BenchmarkPoolSlot(b *testing.B) {
	b.Run("T", func(b *testing.B) {
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
	for _, stamped := range []bool{false, true} {
		name := "slot"
		p := &Pool[int]{epoch: time.Now()}
		if stamped {
			name, p.observer = "slot/stamped", &itemLog{}
		}
		b.Run(name, func(b *testing.B) {
			q, err := New[slot[int]](1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = q.TryPut(p.slot(1))
				_, _ = q.TryGet()
			}
		})
	}
}
