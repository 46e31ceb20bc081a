package queue

import (
	"context"
	"fmt"
	"sync"
	"testing"
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
