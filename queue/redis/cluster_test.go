package redis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// startCluster starts a one-node Redis Cluster that owns every hash slot
// and returns a cluster client of it. Redis still refuses, with CROSSSLOT,
// a script or command whose keys are in different slots, so one node is
// enough to show that every key of a queue shares one slot.
func startCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	addr := redistest.StartWith(t, "--cluster-enabled", "yes").Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	node := newClient(t, addr)
	if err := node.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatalf("CLUSTER ADDSLOTSRANGE: %v", err)
	}
	for {
		info, err := node.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("cluster did not report cluster_state:ok: %v %v", info, err)
		}
		time.Sleep(20 * time.Millisecond) // polls a real process starting up
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { cc.Close() })
	return cc
}

func TestCluster(t *testing.T) {
	cc := startCluster(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, cc, "s", WithMaxLen(1000))
	var failed = make(map[int]bool)
	s := newSeen()
	c, err := NewConsumer(ctx, cc, "s", "g", func(_ context.Context, v int) error {
		if v%10 == 0 && !failed[v] { // one worker: no lock needed
			failed[v] = true
			return errors.New("retry me")
		}
		s.add(v)
		return nil
	}, fastConsumer(WithWorkers(1))...)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, c)
	var want []int
	for i := range 50 {
		want = append(want, i)
	}
	if _, err := p.EnqueueBatch(ctx, want[:40]); err != nil {
		t.Fatalf("EnqueueBatch on a cluster = %v", err)
	}
	for _, v := range want[40:] {
		if _, err := p.Enqueue(ctx, v, WithDelay(time.Millisecond), WithUniqueKey(string(rune('a'+v)))); err != nil {
			t.Fatalf("Enqueue on a cluster = %v", err)
		}
	}
	s.waitAll(t, want, 20*time.Second)
	if st := c.Stats(); st.Retried != 5 {
		t.Errorf("Stats().Retried = %d, want 5", st.Retried)
	}
}
