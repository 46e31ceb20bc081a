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

// startCluster starts a one-node Redis Cluster that owns every hash slot and
// returns its address. The node is stopped when t ends. A one-node cluster
// is enough to exercise the client's cluster routing and the Store's
// per-slot commands: Redis still rejects a multi-key command whose keys
// are in different slots (CROSSSLOT).
func startCluster(t *testing.T) string {
	t.Helper()
	addr := redistest.StartWith(t, "--cluster-enabled", "yes").Addr()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, clusterSlots-1).Err(); err != nil {
		t.Fatalf("CLUSTER ADDSLOTSRANGE: %v", err)
	}
	poll(ctx, t, "report cluster_state:ok", func() error {
		info, err := c.ClusterInfo(ctx).Result()
		if err == nil && !strings.Contains(info, "cluster_state:ok") {
			err = errors.New(info)
		}
		return err
	})
	return addr
}

// poll calls f until it succeeds, failing t when ctx ends first. It waits
// on a real process starting up, so it polls on a real ticker.
func poll(ctx context.Context, t *testing.T, what string, f func() error) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("cluster node did not %s: %v", what, err)
		case <-tick.C:
		}
	}
}
