package redis

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// guard bounds a wait on a real event, so that a broken test fails
// instead of hanging; it is not a timing assertion.
const guard = 15 * time.Second

// newClient returns a client of the server at addr, closed when tb ends.
func newClient(tb testing.TB, addr string) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// newLease returns a Lease on client, failing t on an error.
func newLease(t *testing.T, client redis.UniversalClient, name string, opts ...Option) *Lease {
	t.Helper()
	l, err := New(client, name, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l
}

// partition is a dialer whose connections can all be cut at once, to
// stand for a replica that stops talking to Redis (a crash, a pause, a
// network partition) without giving its lease up.
type partition struct {
	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

func (p *partition) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return nil, errors.New("partitioned")
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err == nil {
		p.conns = append(p.conns, c)
	}
	return c, err
}

// sever closes every connection and refuses new ones.
func (p *partition) sever() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, c := range p.conns {
		_ = c.Close()
	}
}

// newPartitionedClient returns a client of addr whose connections p can cut.
func newPartitionedClient(t *testing.T, addr string, p *partition) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, Dialer: p.dial, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// fenced is a resource that a lease protects: it accepts a write only
// with a fencing token at least the highest it has seen, as a real store
// would check it (a conditional UPDATE, a compare-and-set).
type fenced struct {
	mu       sync.Mutex
	highest  int64
	writes   []write // accepted, in order
	rejected []write
}

type write struct {
	fence  int64
	holder string
}

func (f *fenced) write(fence int64, holder string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := write{fence, holder}
	if fence < f.highest {
		f.rejected = append(f.rejected, w)
		return false
	}
	f.highest = fence
	f.writes = append(f.writes, w)
	return true
}

// check verifies that each fence belongs to one holder and that the
// accepted writes' fences never go down.
func (f *fenced) check(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	owner := map[int64]string{}
	var last int64
	for _, w := range f.writes {
		if o, ok := owner[w.fence]; ok && o != w.holder {
			t.Errorf("fence %d used by %s and %s", w.fence, o, w.holder)
		}
		owner[w.fence] = w.holder
		if w.fence < last {
			t.Errorf("accepted fence %d after %d", w.fence, last)
		}
		last = w.fence
	}
}

// startCluster starts a one-node Redis Cluster that owns every hash slot
// and returns its address.
func startCluster(t *testing.T, addr string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatalf("CLUSTER ADDSLOTSRANGE: %v", err)
	}
	tick := time.NewTicker(20 * time.Millisecond) // polls a real server starting up
	defer tick.Stop()
	for {
		info, err := c.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("cluster did not report cluster_state:ok: %v %s", err, info)
		case <-tick.C:
		}
	}
}
