// Package durablequeue_test compares holdfast's queue/redis (a work queue
// on Redis Streams) with hibiken/asynq, both on one real redis-server on
// loopback started by internal/redistest (skipped when redis-server is
// missing, unless HOLDFAST_REQUIRE_REDIS=1).
//
// One op is a batch of [batch] jobs, from the first enqueue to the last
// job handled; ns/job divides by the batch and jobs/s is its inverse. The
// handler is trivial (it counts the job). Both sides give the same
// guarantee: a job is acknowledged (holdfast: XACK; asynq: its "done"
// script) only after its handler returned nil, and a job whose worker dies
// is run again after a lease or visibility timeout.
//
//   - impl=holdfast: one Producer enqueues with EnqueueBatch, 64 jobs per
//     pipelined round trip; one Consumer with W workers reads with
//     XREADGROUP COUNT 16 and acknowledges in batches.
//   - impl=asynq: asynq has no batch enqueue, so 8 goroutines call
//     Client.Enqueue (one Lua script per job); one Server with
//     Concurrency W dequeues one job per Lua call and marks each done with
//     another. TaskCheckInterval is 1ms (the default, 1s, would idle the
//     workers between batches).
//
// W is 1 and 8.
package durablequeue_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/holdfast-go/holdfast/internal/redistest"
	qredis "github.com/holdfast-go/holdfast/queue/redis"
)

const batch = 1024

// side is one queue library: start returns an enqueue function for one
// batch and a stop function; the workers count each handled job in n.
type side struct {
	name  string
	start func(b *testing.B, addr string, workers int, n *atomic.Int64) (enqueue func(), stop func())
}

var sides = []side{{"holdfast", startHoldfast}, {"asynq", startAsynq}}

func BenchmarkEndToEnd(b *testing.B) {
	for _, workers := range []int{1, 8} {
		for _, s := range sides {
			b.Run("workers="+strconv.Itoa(workers)+"/impl="+s.name, func(b *testing.B) {
				srv := redistest.Start(b)
				var handled atomic.Int64
				enqueue, stop := s.start(b, srv.Addr(), workers, &handled)
				defer stop()
				b.ReportAllocs()
				var want int64
				for b.Loop() {
					want += batch
					enqueue()
					for handled.Load() < want {
						time.Sleep(50 * time.Microsecond)
					}
				}
				perJob := float64(b.Elapsed().Nanoseconds()) / float64(b.N*batch)
				b.ReportMetric(perJob, "ns/job")
				b.ReportMetric(1e9/perJob, "jobs/s")
			})
		}
	}
}

func startHoldfast(b *testing.B, addr string, workers int, n *atomic.Int64) (func(), func()) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	ctx := context.Background()
	p, err := qredis.NewProducer[int](ctx, rdb, "bench")
	if err != nil {
		b.Fatal(err)
	}
	c, err := qredis.NewConsumer(ctx, rdb, "bench", "workers", func(context.Context, int) error {
		n.Add(1)
		return nil
	}, qredis.WithWorkers(workers), qredis.WithBatchSize(16))
	if err != nil {
		b.Fatal(err)
	}
	jobs := make([]int, 64)
	enqueue := func() {
		for range batch / len(jobs) {
			if _, err := p.EnqueueBatch(ctx, jobs); err != nil {
				b.Fatal(err)
			}
		}
	}
	stop := func() {
		if err := c.Shutdown(ctx); err != nil {
			b.Error(err)
		}
		_ = rdb.Close()
	}
	return enqueue, stop
}

func startAsynq(b *testing.B, addr string, workers int, n *atomic.Int64) (func(), func()) {
	opt := asynq.RedisClientOpt{Addr: addr}
	client := asynq.NewClient(opt)
	srv := asynq.NewServer(opt, asynq.Config{
		Concurrency:       workers,
		TaskCheckInterval: time.Millisecond,
		LogLevel:          asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc("job", func(context.Context, *asynq.Task) error {
		n.Add(1)
		return nil
	})
	if err := srv.Start(mux); err != nil {
		b.Fatal(err)
	}
	payload := []byte("0")
	const producers = 8
	enqueue := func() {
		var wg sync.WaitGroup
		for range producers {
			wg.Go(func() {
				for range batch / producers {
					if _, err := client.Enqueue(asynq.NewTask("job", payload)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	stop := func() {
		srv.Shutdown()
		_ = client.Close()
	}
	return enqueue, stop
}
