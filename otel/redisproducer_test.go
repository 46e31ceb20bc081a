package holdfastotel

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/redistest"
	qredis "github.com/holdfast-go/holdfast/queue/redis"
	"github.com/redis/go-redis/v9"
)

// TestRedisProducer enqueues against a real redis-server: two jobs, a
// duplicate of a unique key, a job refused by a full stream, and, with
// the server stopped, a failed call.
func TestRedisProducer(t *testing.T) {
	h := newHarness(t)
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true, MaxRetries: -1})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := qredis.NewProducer[int](ctx, rdb, "jobs", qredis.WithMaxLen(2))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := h.in.ObserveRedisProducer("jobs", p.Stats)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	if _, err := p.Enqueue(ctx, 1, qredis.WithUniqueKey("u")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, 1, qredis.WithUniqueKey("u")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, 3); err != qredis.ErrFull {
		t.Fatalf("Enqueue on a full stream = %v, want ErrFull", err)
	}
	srv.Stop()
	if _, err := p.Enqueue(ctx, 4); err == nil {
		t.Fatal("Enqueue with Redis stopped = nil, want an error")
	}
	want(t, h.collect(t), map[string]string{
		"holdfast.queue.redis.enqueues{holdfast.name=jobs,holdfast.queue.redis.result=enqueued}":  "2",
		"holdfast.queue.redis.enqueues{holdfast.name=jobs,holdfast.queue.redis.result=duplicate}": "1",
		"holdfast.queue.redis.enqueues{holdfast.name=jobs,holdfast.queue.redis.result=full}":      "1",
		"holdfast.queue.redis.enqueues{holdfast.name=jobs,holdfast.queue.redis.result=error}":     "1",
	})
}

func TestObserveRedisProducerBadInput(t *testing.T) {
	h := newHarness(t)
	if _, err := h.in.ObserveRedisProducer("jobs", nil); err == nil || !strings.Contains(err.Error(), "ObserveRedisProducer") {
		t.Errorf("ObserveRedisProducer(nil) = %v, want an error naming ObserveRedisProducer", err)
	}
}
