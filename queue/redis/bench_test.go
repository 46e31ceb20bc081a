package redis

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The benchmarks run on a redis-server on loopback, each beside the floor:
// raw go-redis commands doing the same work with the same batch size.

func BenchmarkEnqueue(b *testing.B) {
	_, rdb := startRedis(b)
	ctx := context.Background()
	p := newProducer[int](b, ctx, rdb, "s", WithMaxLen(1<<40))
	b.Run("one/holdfast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Enqueue(ctx, 1); err != nil {
				b.Fatal(err)
			}
		}
		rdb.Del(ctx, testStream)
	})
	b.Run("one/raw-XADD", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rdb.XAdd(ctx, rawArgs(1)).Err(); err != nil {
				b.Fatal(err)
			}
		}
		rdb.Del(ctx, testStream)
	})
	const batch = 64
	jobs := make([]int, batch)
	b.Run("batch64/holdfast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.EnqueueBatch(ctx, jobs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/job")
		rdb.Del(ctx, testStream)
	})
	b.Run("batch64/raw-XADD", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rawEnqueue(ctx, rdb, batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/job")
		rdb.Del(ctx, testStream)
	})
}

// rawArgs is an XADD of an entry with the fields a Producer writes.
func rawArgs(v int) *redis.XAddArgs {
	return &redis.XAddArgs{Stream: testStream, Values: []any{"id", "0123456789abcdef0123456789abcdef",
		"p", strconv.Itoa(v), "n", "0"}}
}

// rawEnqueue adds n entries with one pipelined XADD each.
func rawEnqueue(ctx context.Context, rdb *redis.Client, n int) error {
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for range n {
			p.XAdd(ctx, rawArgs(1))
		}
		return nil
	})
	return err
}

// BenchmarkEndToEnd measures jobs handled per second with a trivial
// handler: a producer adds jobs in pipelines of 64 XADDs (the same for
// both sides), and the consumers read them in batches of 16 and
// acknowledge each job after its handler. The figure is jobs/s, from the
// first job enqueued to the last one acknowledged.
func BenchmarkEndToEnd(b *testing.B) {
	for _, workers := range []int{1, 8} {
		name := "workers=" + strconv.Itoa(workers)
		b.Run(name+"/holdfast", func(b *testing.B) { endToEnd(b, workers, holdfastConsumer) })
		b.Run(name+"/raw-XREADGROUP-XACK", func(b *testing.B) { endToEnd(b, workers, rawConsumer) })
	}
}

const benchBatch = 16

// startConsumer starts consumers that count handled jobs in handled, and
// returns a function that stops them.
type startConsumer func(b *testing.B, rdb *redis.Client, workers int, handled *atomic.Int64) (stop func())

func endToEnd(b *testing.B, workers int, start startConsumer) {
	_, rdb := startRedis(b)
	ctx := context.Background()
	rdb.XGroupCreateMkStream(ctx, testStream, "g", "0")
	var handled atomic.Int64
	stop := start(b, rdb, workers, &handled)
	defer stop()
	b.ReportAllocs()
	begin := time.Now()
	var sent int64
	for b.Loop() {
		if err := rawEnqueue(ctx, rdb, 64); err != nil {
			b.Fatal(err)
		}
		sent += 64
		for sent-handled.Load() > 4096 { // keep the backlog bounded
			time.Sleep(100 * time.Microsecond)
		}
	}
	for handled.Load() < sent {
		time.Sleep(100 * time.Microsecond)
	}
	b.ReportMetric(float64(sent)/time.Since(begin).Seconds(), "jobs/s")
}

func holdfastConsumer(b *testing.B, rdb *redis.Client, workers int, handled *atomic.Int64) func() {
	c, err := NewConsumer(context.Background(), rdb, "s", "g", func(_ context.Context, v int) error {
		handled.Add(1)
		return nil
	}, WithWorkers(workers), WithBatchSize(benchBatch), WithBlock(10*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	return func() { shutdown(b, c) }
}

// rawConsumer is the floor: workers goroutines, each reading up to 16
// entries with XREADGROUP, running the handler on each, then acknowledging
// the batch with one XACK. Nothing renews leases, reclaims, or retries.
func rawConsumer(b *testing.B, rdb *redis.Client, workers int, handled *atomic.Int64) func() {
	var wg sync.WaitGroup
	done := make(chan struct{})
	handler := func(context.Context, int) error { handled.Add(1); return nil }
	for w := range workers {
		wg.Go(func() {
			ctx := context.Background()
			name := "raw" + strconv.Itoa(w)
			ids := make([]string, 0, benchBatch)
			for {
				select {
				case <-done:
					return
				default:
				}
				res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: name,
					Streams: []string{testStream, ">"}, Count: benchBatch, Block: 10 * time.Millisecond}).Result()
				if err != nil {
					continue
				}
				ids = ids[:0]
				for _, m := range res[0].Messages {
					v, _ := strconv.Atoi(m.Values["p"].(string))
					if handler(ctx, v) == nil {
						ids = append(ids, m.ID)
					}
				}
				rdb.XAck(ctx, testStream, "g", ids...)
			}
		})
	}
	return func() { close(done); wg.Wait() }
}
