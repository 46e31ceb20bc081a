package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/redistest"
	goredis "github.com/redis/go-redis/v9"
)

// TestCluster runs decisions for keys in many hash slots through a
// ClusterClient on a one-node Redis Cluster: each script call declares its
// one key, so Redis routes and accepts it (no CROSSSLOT).
func TestCluster(t *testing.T) {
	addr := redistest.StartWith(t, "--cluster-enabled", "yes").Addr()
	admin := newClient(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := admin.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatalf("CLUSTER ADDSLOTSRANGE: %v", err)
	}
	for {
		info, err := admin.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("cluster did not come up: %v", errors.Join(err, ctx.Err()))
		}
		time.Sleep(20 * time.Millisecond) // waiting on a real process
	}
	cl := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = cl.Close() })
	lim := newLimiter(t, cl, PerMinute(60, 2))
	for i := range 50 {
		key := fmt.Sprintf("user-%d", i)
		for j, want := range []bool{true, true, false} {
			res, err := lim.Allow(ctx, key)
			if err != nil {
				t.Fatalf("Allow(%s) on a cluster = %v", key, err)
			}
			if res.Allowed != want {
				t.Fatalf("Allow(%s) #%d = %+v, want allowed %v", key, j, res, want)
			}
		}
	}
}
