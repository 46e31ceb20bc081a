package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/internal/redistest"
)

// The two-tier cache against a real redis-server.

// newCache returns a Cache[string] on s, closed when t ends (before the
// client, whose cleanup was registered earlier).
func newCache(t *testing.T, s *Store, opts ...cache.Option) *cache.Cache[string] {
	t.Helper()
	opts = append([]cache.Option{cache.WithStore(s), cache.WithRemoteTimeout(2 * time.Second)}, opts...)
	c, err := cache.New[string](opts...)
	if err != nil {
		t.Fatalf("cache.New() = %v, want nil", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return c
}

// invalidations returns an OnInvalidate option and the channel it reports
// to; nil keys mean the whole local tier was dropped.
func invalidations() (cache.Option, <-chan []string) {
	ch := make(chan []string, 100)
	return cache.WithOnInvalidate(func(keys []string) { ch <- keys }), ch
}

// await waits for the next invalidation report and checks it.
func await(t *testing.T, ch <-chan []string, want string) {
	t.Helper()
	select {
	case keys := <-ch:
		if got := fmt.Sprint(keys); got != want {
			t.Fatalf("invalidated %s, want %s", got, want)
		}
	case <-time.After(waitBound):
		t.Fatalf("no invalidation of %s", want)
	}
}

func TestCacheBothTiers(t *testing.T) {
	ctx := context.Background()
	client := newClient(t, redistest.Start(t).Addr())
	s := newStore(t, client)
	a := newCache(t, s)
	if err := a.Set(ctx, "k", "v"); err != nil {
		t.Fatalf("Set() = %v, want nil", err)
	}
	if ttl := client.PTTL(ctx, DefaultPrefix+"k").Val(); ttl <= 0 || ttl > cache.DefaultRemoteTTL {
		t.Errorf("PTTL of the key in Redis = %v, want in (0, %v]", ttl, cache.DefaultRemoteTTL)
	}
	if v, err := a.Get(ctx, "k"); v != "v" || err != nil {
		t.Fatalf("Get(k) = %q, %v, want v, nil", v, err)
	}
	b := newCache(t, s)
	for range 2 {
		if v, err := b.Get(ctx, "k"); v != "v" || err != nil {
			t.Fatalf("second cache's Get(k) = %q, %v, want v, nil", v, err)
		}
	}
	if st := b.Stats(); st.RemoteHits != 1 || st.LocalHits != 1 {
		t.Errorf("second cache's stats = %+v, want 1 remote hit then 1 local hit", st)
	}
	if err := a.Delete(ctx, "k"); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	if _, err := a.Get(ctx, "k"); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if n := client.Exists(ctx, DefaultPrefix+"k").Val(); n != 0 {
		t.Errorf("EXISTS after Delete = %d, want 0", n)
	}
	if st := a.Stats(); st.RemoteErrors != 0 {
		t.Errorf("RemoteErrors = %d, want 0", st.RemoteErrors)
	}
}

func TestCacheStampede(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, newClient(t, redistest.Start(t).Addr()))
	c := newCache(t, s)
	const n = 1000
	var loads, arrived atomic.Int64
	all := make(chan struct{})
	load := func(ctx context.Context) (string, error) {
		loads.Add(1)
		select { // hold the load until every caller has made its call
		case <-all:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		return "v", nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			if arrived.Add(1) == n {
				close(all)
			}
			if v, err := c.GetOrLoad(ctx, "cold", load); v != "v" || err != nil {
				errs <- fmt.Errorf("GetOrLoad = %q, %v, want v, nil", v, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if loads.Load() != 1 {
		t.Errorf("loads for %d concurrent GetOrLoad calls = %d, want 1", n, loads.Load())
	}
	if st := c.Stats(); st.Loads != 1 || st.Misses+st.LocalHits+st.RemoteHits != n {
		t.Errorf("stats = %+v, want 1 load and %d calls counted", st, n)
	}
}

func TestCacheInvalidationAcrossInstances(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	// Two processes: each its own client, Store and Cache.
	a := newCache(t, newStore(t, newClient(t, srv.Addr())))
	onInvalidate, dropped := invalidations()
	b := newCache(t, newStore(t, newClient(t, srv.Addr())), onInvalidate)

	_ = a.Set(ctx, "k", "v1")
	await(t, dropped, "[k]")
	if v, _ := b.Get(ctx, "k"); v != "v1" {
		t.Fatalf("b.Get(k) = %q, want v1", v)
	}
	if err := a.Delete(ctx, "k"); err != nil {
		t.Fatalf("a.Delete(k) = %v", err)
	}
	await(t, dropped, "[k]")
	if _, err := b.Get(ctx, "k"); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("b.Get(k) after a.Delete = %v, want ErrNotFound", err)
	}
	_ = b.Set(ctx, "k", "stale") // b's local tier now holds "stale"
	_ = a.Set(ctx, "k", "v2")
	await(t, dropped, "[k]")
	if v, _ := b.Get(ctx, "k"); v != "v2" {
		t.Errorf("b.Get(k) after a.Set(v2) = %q, want v2", v)
	}
	if st := b.Stats(); st.Invalidations != 3 || st.Resets != 0 {
		t.Errorf("b's stats = %+v, want 3 invalidations, no reset", st)
	}
}

func TestCacheRedisDown(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	var mu sync.Mutex
	ops := map[string]int{}
	onErr := cache.WithOnRemoteError(func(op string, err error) {
		mu.Lock()
		defer mu.Unlock()
		ops[op]++
	})
	onInvalidate, dropped := invalidations()
	s := newStore(t, newClient(t, srv.Addr()))
	c := newCache(t, s, onErr, onInvalidate, cache.WithRemoteTimeout(500*time.Millisecond))
	if err := c.Set(ctx, "hot", "v"); err != nil {
		t.Fatalf("Set() = %v", err)
	}

	srv.Stop()
	for range 3 {
		if v, err := c.Get(ctx, "hot"); v != "v" || err != nil {
			t.Fatalf("Get(hot) with Redis down = %q, %v, want v from the local tier", v, err)
		}
	}
	var loads atomic.Int64
	load := func(context.Context) (string, error) { loads.Add(1); return "loaded", nil }
	if v, err := c.GetOrLoad(ctx, "cold", load); v != "loaded" || err != nil {
		t.Errorf("GetOrLoad(cold) with Redis down = %q, %v, want loaded, nil", v, err)
	}
	if err := c.Set(ctx, "other", "x"); err == nil {
		t.Error("Set with Redis down = nil, want an error")
	}
	st := c.Stats()
	mu.Lock()
	// GetOrLoad's read failed, so it did not try the write-back: one get
	// and one set (Set's) failed.
	if st.RemoteErrors < 2 || ops["get"] != 1 || ops["set"] != 1 {
		t.Errorf("with Redis down: stats %+v, reported %v, want one get and one set failure counted and reported", st, ops)
	}
	mu.Unlock()

	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	await(t, dropped, "[]") // re-subscribed: the local tier was dropped
	if err := c.Set(ctx, "after", "w"); err != nil {
		t.Fatalf("Set after the restart = %v, want nil", err)
	}
	if v, err := c.GetOrLoad(ctx, "cold", load); v != "loaded" || err != nil || loads.Load() != 2 {
		t.Errorf("GetOrLoad(cold) after the restart = %q, %v after %d loads, want a new load (Redis lost its data)", v, err, loads.Load())
	}
	fresh := newCache(t, s)
	if v, err := fresh.Get(ctx, "after"); v != "w" || err != nil {
		t.Errorf("a new cache's Get(after) = %q, %v, want w from Redis", v, err)
	}
	if st := fresh.Stats(); st.RemoteHits != 1 {
		t.Errorf("new cache's stats = %+v, want 1 remote hit", st)
	}
}

func TestCacheGetMany(t *testing.T) {
	ctx := context.Background()
	for name, client := range clients(t) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t, client)
			writer := newCache(t, s)
			for _, k := range []string{"a", "b", "{t}c", "{t}d"} {
				if err := writer.Set(ctx, k, "v-"+k); err != nil {
					t.Fatalf("Set(%s) = %v", k, err)
				}
			}
			reader := newCache(t, s)
			got, err := reader.GetMany(ctx, []string{"a", "{t}c", "{t}d", "missing", "b"})
			if err != nil || fmt.Sprint(got) != "map[a:v-a b:v-b {t}c:v-{t}c {t}d:v-{t}d]" {
				t.Errorf("GetMany() = %v, %v, want the four values", got, err)
			}
			if st := reader.Stats(); st.RemoteHits != 4 || st.Misses != 1 || st.RemoteErrors != 0 {
				t.Errorf("stats = %+v, want 4 remote hits, 1 miss", st)
			}
		})
	}
}
