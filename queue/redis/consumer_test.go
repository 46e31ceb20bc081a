package redis

import (
	"context"
	"testing"
	"time"
)

func TestEnqueueAndHandle(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p, err := NewProducer[int](ctx, rdb, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	s := newSeen()
	c, err := NewConsumer(ctx, rdb, "jobs", "g", func(_ context.Context, v int) error {
		s.add(v)
		return nil
	}, fastConsumer(WithWorkers(4))...)
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	ids := map[string]bool{}
	for i := range 200 {
		id, err := p.Enqueue(ctx, i)
		if err != nil {
			t.Fatalf("Enqueue(%d) = %v", i, err)
		}
		ids[id] = true
		want = append(want, i)
	}
	if len(ids) != 200 {
		t.Fatalf("200 Enqueues gave %d distinct IDs, want 200", len(ids))
	}
	s.waitAll(t, want, 10*time.Second)
	shutdown(t, c)
	st := c.Stats()
	if st.Handled != 200 || st.Failed != 0 || st.InFlight != 0 {
		t.Errorf("Stats() = %+v, want 200 handled, none failed or in flight", st)
	}
	if n := rdb.XPending(ctx, "holdfast:queue:{jobs}", "g").Val().Count; n != 0 {
		t.Errorf("pending after Shutdown = %d, want 0", n)
	}
}
