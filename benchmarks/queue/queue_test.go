// Package queue_test compares holdfast's queue.Queue (impl=holdfast-queue,
// read by C goroutines) and queue.Pool (impl=holdfast-pool, C workers) with
// a plain buffered channel, alitto/pond v2 and panjf2000/ants v2.
//
// The work is the same on every side: P producers hand items to C
// consumers, which run a trivial handler (it counts the item as handled).
// One op is a batch of [batch] items, from the first submit to the last
// item handled; ns/item divides by the batch. Every side blocks a producer
// when it is full: the channel, holdfast's Queue and Pool and pond's queue
// hold [capacity] items; ants has no queue and blocks until a worker is
// free. impl=channel is a buffered channel read by C goroutines: the floor
// the others build on, and the peer holdfast must come close to.
// allocs/op is per batch: the P producer goroutines cost 2 or 3
// allocations each, so a side that allocates per item shows about 1,000.
package queue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"

	"github.com/holdfast-go/holdfast/queue"
)

const (
	batch    = 1024
	capacity = 256
)

// shapes are the producer and consumer counts.
var shapes = []struct{ producers, consumers int }{{1, 1}, {4, 4}}

// handoff is one way to move items from producers to consumers.
type handoff struct {
	name string
	// start starts consumers goroutines (or workers) that call handle on
	// every item, and returns submit, which producers call concurrently.
	// Everything it starts is stopped by tb.Cleanup.
	start func(tb testing.TB, consumers int, handle func(int)) (submit func(context.Context, int) error)
}

var handoffs = []handoff{
	{"holdfast-queue", func(tb testing.TB, consumers int, handle func(int)) func(context.Context, int) error {
		q, err := queue.New[int](capacity)
		if err != nil {
			tb.Fatal(err)
		}
		ctx := context.Background()
		var wg sync.WaitGroup
		for range consumers {
			wg.Go(func() {
				for {
					v, err := q.Get(ctx)
					if err != nil {
						return
					}
					handle(v)
				}
			})
		}
		tb.Cleanup(func() { q.Close(); wg.Wait() })
		return q.Put
	}},
	{"holdfast-pool", func(tb testing.TB, consumers int, handle func(int)) func(context.Context, int) error {
		p, err := queue.NewPool(func(_ context.Context, v int) error {
			handle(v)
			return nil
		}, queue.WithWorkers(consumers), queue.WithCapacity(capacity))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			if _, err := p.Shutdown(context.Background()); err != nil {
				tb.Error(err)
			}
		})
		return p.Submit
	}},
	{"channel", func(tb testing.TB, consumers int, handle func(int)) func(context.Context, int) error {
		ch := make(chan int, capacity)
		var wg sync.WaitGroup
		for range consumers {
			wg.Go(func() {
				for v := range ch {
					handle(v)
				}
			})
		}
		tb.Cleanup(func() { close(ch); wg.Wait() })
		return func(_ context.Context, v int) error { ch <- v; return nil }
	}},
	{"pond", func(tb testing.TB, consumers int, handle func(int)) func(context.Context, int) error {
		pool := pond.NewPool(consumers, pond.WithQueueSize(capacity))
		tb.Cleanup(pool.StopAndWait)
		return func(_ context.Context, v int) error { return pool.Go(func() { handle(v) }) }
	}},
	{"ants", func(tb testing.TB, consumers int, handle func(int)) func(context.Context, int) error {
		pool, err := ants.NewPoolWithFuncGeneric(consumers, handle)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(pool.Release)
		return func(_ context.Context, v int) error { return pool.Invoke(v) }
	}},
}

// BenchmarkHandoff moves batches of items from producers to consumers.
func BenchmarkHandoff(b *testing.B) {
	for _, s := range shapes {
		for _, h := range handoffs {
			name := fmt.Sprintf("pc=%dx%d/impl=%s", s.producers, s.consumers, h.name)
			b.Run(name, func(b *testing.B) { benchHandoff(b, h, s.producers, s.consumers) })
		}
	}
}

func benchHandoff(b *testing.B, h handoff, producers, consumers int) {
	var handled sync.WaitGroup
	submit := h.start(b, consumers, func(int) { handled.Done() })
	ctx := context.Background()
	per := batch / producers
	b.ReportAllocs()
	for b.Loop() {
		handled.Add(per * producers)
		var wg sync.WaitGroup
		for range producers {
			wg.Go(func() {
				for i := range per {
					if err := submit(ctx, i); err != nil {
						b.Error(err)
						handled.Done()
					}
				}
			})
		}
		wg.Wait()
		handled.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*per*producers), "ns/item")
}
