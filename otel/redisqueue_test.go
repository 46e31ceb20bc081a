package holdfastotel

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/redistest"
	qredis "github.com/holdfast-go/holdfast/queue/redis"
	"github.com/redis/go-redis/v9"
)

// TestRedisQueue runs a consumer of a real redis-server: one worker holds
// job 1 (in flight), job 2 is read and pending, job 3 is unread (lag);
// then job 3 fails once and, with one delivery allowed, is dead-lettered.
func TestRedisQueue(t *testing.T) {
	h := newHarness(t)
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true, MaxRetries: -1})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := qredis.NewProducer[int](ctx, rdb, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	c, err := qredis.NewConsumer(ctx, rdb, "jobs", "g", func(_ context.Context, v int) error {
		<-release
		if v == 3 {
			return errors.New("boom")
		}
		return nil
	}, qredis.WithWorkers(1), qredis.WithBatchSize(1), qredis.WithMaxDeliveries(1),
		qredis.WithVisibilityTimeout(time.Second), qredis.WithBlock(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := h.in.ObserveRedisQueue("jobs", c.Stats)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	if _, err := p.EnqueueBatch(ctx, []int{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	waitStats(t, c, func(st qredis.Stats) bool { return st.Pending == 2 && st.Lag == 1 && st.InFlight == 1 })
	want(t, h.collect(t), map[string]string{
		"holdfast.queue.redis.lag{holdfast.name=jobs}":       "1",
		"holdfast.queue.redis.pending{holdfast.name=jobs}":   "2",
		"holdfast.queue.redis.in_flight{holdfast.name=jobs}": "1",
	})
	close(release)
	waitStats(t, c, func(st qredis.Stats) bool { return st.Handled == 2 && st.DeadLettered == 1 })
	if err := c.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown() = %v, want nil", err)
	}
	want(t, h.collect(t), map[string]string{
		"holdfast.queue.redis.in_flight{holdfast.name=jobs}":                                      "0",
		"holdfast.queue.redis.jobs{holdfast.name=jobs,holdfast.queue.redis.result=handled}":       "2",
		"holdfast.queue.redis.jobs{holdfast.name=jobs,holdfast.queue.redis.result=failed}":        "1",
		"holdfast.queue.redis.jobs{holdfast.name=jobs,holdfast.queue.redis.result=retried}":       "0",
		"holdfast.queue.redis.jobs{holdfast.name=jobs,holdfast.queue.redis.result=dead_lettered}": "1",
		"holdfast.queue.redis.jobs{holdfast.name=jobs,holdfast.queue.redis.result=released}":      "0",
		"holdfast.queue.redis.reclaims{holdfast.name=jobs}":                                       "0",
	})
}

// TestRedisQueueUnknownFigures: lag and pending are -1 in Stats until the
// consumer's first maintenance pass; they are not reported as -1.
func TestRedisQueueUnknownFigures(t *testing.T) {
	h := newHarness(t)
	reg, err := h.in.ObserveRedisQueue("jobs", func() qredis.Stats { return qredis.Stats{Pending: -1, Lag: -1} })
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	got := h.collect(t)
	for _, k := range []string{"holdfast.queue.redis.lag{holdfast.name=jobs}", "holdfast.queue.redis.pending{holdfast.name=jobs}"} {
		if v, ok := got[k]; ok {
			t.Errorf("%s = %q, want no point while unknown", k, v)
		}
	}
	if got["holdfast.queue.redis.in_flight{holdfast.name=jobs}"] != "0" {
		t.Errorf("in_flight = %q, want \"0\"", got["holdfast.queue.redis.in_flight{holdfast.name=jobs}"])
	}
}

func TestObserveRedisQueueBadArgs(t *testing.T) {
	h := newHarness(t)
	if _, err := h.in.ObserveRedisQueue("jobs", nil); err == nil {
		t.Error("ObserveRedisQueue(jobs, nil) = nil error, want one")
	}
	if _, err := h.in.ObserveRedisQueue("", func() qredis.Stats { return qredis.Stats{} }); err == nil {
		t.Error("ObserveRedisQueue(\"\", stats) = nil error, want one")
	}
}

// waitStats polls c's Stats until ok holds: the group's figures refresh
// on the consumer's maintenance pass, which runs on real time.
func waitStats(t *testing.T, c *qredis.Consumer[int], ok func(qredis.Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for st := c.Stats(); !ok(st); st = c.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("Stats() = %+v, still not the figures awaited", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
