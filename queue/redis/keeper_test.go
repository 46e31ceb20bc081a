package redis

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestCleanupKeepsConsumersWithPendingEntries(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	rdb.XGroupCreateMkStream(ctx, testStream, "g", "0")
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: testStream, Values: []string{"id", "1"}})
	// "dead" holds an entry; "idle" holds none; both are idle.
	rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "dead", Streams: []string{testStream, ">"}, Count: 1})
	rdb.XGroupCreateConsumer(ctx, testStream, "g", "idle")
	n, err := cleanupScript.Run(ctx, rdb, []string{testStream}, "g", 0, "").Int()
	if err != nil || n != 1 {
		t.Fatalf("cleanup = %d, %v, want 1 consumer removed", n, err)
	}
	cs := rdb.XInfoConsumers(ctx, testStream, "g").Val()
	if len(cs) != 1 || cs[0].Name != "dead" || cs[0].Pending != 1 {
		t.Fatalf("consumers after cleanup = %+v, want only dead, with its pending entry", cs)
	}
	// Not idle long enough: kept.
	rdb.XGroupCreateConsumer(ctx, testStream, "g", "recent")
	if n, _ := cleanupScript.Run(ctx, rdb, []string{testStream}, "g", time.Hour.Milliseconds(), "").Int(); n != 0 {
		t.Fatalf("cleanup with a min idle of an hour removed %d, want 0", n)
	}
}

func TestStatsReportPendingAndLag(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	release := make(chan struct{})
	// One worker and a batch of one hold two entries; the third waits unread.
	s := newSeen()
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		<-release
		s.add(v)
		return nil
	}, fastConsumer(WithWorkers(1), WithBatchSize(1))...)
	if err != nil {
		t.Fatal(err)
	}
	p.EnqueueBatch(ctx, []int{1, 2, 3})
	deadline := time.Now().Add(10 * time.Second)
	var st Stats
	for {
		st = c.Stats()
		if st.Pending == 2 && st.Lag == 1 && st.InFlight == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Stats() = %+v, want 2 pending, lag 1, 1 in flight", st)
		}
		time.Sleep(10 * time.Millisecond) // the figures refresh every visibility timeout
	}
	close(release)
	s.waitAll(t, []int{1, 2, 3}, 10*time.Second)
	shutdown(t, c)
	if st := c.Stats(); st.Handled != 3 || st.InFlight != 0 {
		t.Errorf("Stats() after Shutdown = %+v, want 3 handled, none in flight", st)
	}
}
