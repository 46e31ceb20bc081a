package redis

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/redistest"
)

// TestRedisKilledAndRestartedLosesNoAcknowledgedJob kills redis-server
// (SIGKILL; append-only file with fsync always) while producers and
// consumers run: every job whose Enqueue returned nil is handled.
func TestRedisKilledAndRestartedLosesNoAcknowledgedJob(t *testing.T) {
	srv := redistest.StartDurable(t)
	rdb := newClient(t, srv.Addr())
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	s := newSeen()
	var consumers []*Consumer[int]
	for range 2 {
		c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
			s.add(v)
			return nil
		}, fastConsumer(WithWorkers(4))...)
		if err != nil {
			t.Fatal(err)
		}
		consumers = append(consumers, c)
	}
	const producers, each = 3, 300
	acked := make([][]int, producers)
	var wg sync.WaitGroup
	restart := make(chan struct{})
	for i := range producers {
		wg.Go(func() {
			for j := range each {
				if i == 0 && j == each/3 {
					close(restart)
				}
				v := i*each + j
				if _, err := p.Enqueue(ctx, v); err == nil {
					acked[i] = append(acked[i], v)
				}
			}
		})
	}
	<-restart
	if err := srv.Restart(); err != nil { // Stop is a SIGKILL
		t.Fatal(err)
	}
	wg.Wait()
	var want []int
	for _, a := range acked {
		want = append(want, a...)
	}
	if len(want) < producers*each/2 {
		t.Fatalf("only %d of %d enqueues succeeded", len(want), producers*each)
	}
	s.waitAll(t, want, 30*time.Second)
	for _, c := range consumers {
		shutdown(t, c)
	}
	t.Logf("%d of %d enqueues acknowledged, all handled", len(want), producers*each)
}
