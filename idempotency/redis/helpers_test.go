package redis

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// newClient returns a client of the server at addr, closed when t ends.
// It does not retry, so that a stopped server fails calls at once.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1,
		PoolSize: 64, DialTimeout: time.Second,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newStore returns a Store on client, failing t on an error.
func newStore(t testing.TB, client redis.UniversalClient, opts ...Option) *Store {
	t.Helper()
	s, err := New(client, opts...)
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	return s
}

// newGroup returns a Group on s, failing t on an error.
func newGroup(t testing.TB, s idempotency.Store, opts ...idempotency.Option) *idempotency.Group {
	t.Helper()
	g, err := idempotency.New(append([]idempotency.Option{idempotency.WithStore(s)}, opts...)...)
	if err != nil {
		t.Fatalf("idempotency.New = %v", err)
	}
	return g
}

// startCluster starts a one-node Redis Cluster owning every slot and
// returns a client of it, closed when t ends. A Cluster refuses a script
// whose keys are in different slots, and routes each script by its key.
func startCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	srv := redistest.StartWith(t, "--cluster-enabled", "yes")
	if srv == nil {
		return nil
	}
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatalf("CLUSTER ADDSLOTSRANGE: %v", err)
	}
	tick := time.NewTicker(10 * time.Millisecond) // waits on a real process
	defer tick.Stop()
	for {
		info, err := c.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("cluster did not report cluster_state:ok: %v", err)
		case <-tick.C:
		}
	}
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.Addr()}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

// counter is a go-redis hook that counts the round trips of a client:
// each command, and each pipeline, is one.
type counter struct{ n atomic.Int64 }

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}
