package holdfastotel

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/queue"
)

func TestCacheHitMissLoad(t *testing.T) {
	h := newHarness(t)
	store, err := cache.NewMemoryStore(100)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cache.New[string](cache.WithStore(store))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg, err := h.in.ObserveCache("accounts", c.Stats)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	ctx := context.Background()
	load := func(context.Context) (string, error) { return "ada", nil }
	if _, err := c.GetOrLoad(ctx, "k1", load); err != nil { // miss, load
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "k1"); err != nil { // local hit
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "k2"); !errors.Is(err, cache.ErrNotFound) { // miss
		t.Fatalf("Get(k2) = %v, want ErrNotFound", err)
	}
	st := c.Stats()
	if st.LocalHits != 1 || st.Misses != 2 || st.Loads != 1 {
		t.Fatalf("Stats = %+v, want 1 local hit, 2 misses, 1 load", st)
	}
	want(t, h.collect(t), map[string]string{
		"holdfast.cache.hits{holdfast.cache.tier=local,holdfast.name=accounts}":  "1",
		"holdfast.cache.hits{holdfast.cache.tier=remote,holdfast.name=accounts}": "0",
		"holdfast.cache.misses{holdfast.name=accounts}":                          "2",
		"holdfast.cache.loads{holdfast.name=accounts}":                           "1",
		"holdfast.cache.load_errors{holdfast.name=accounts}":                     "0",
		"holdfast.cache.local.entries{holdfast.name=accounts}":                   "1",
	})
}

// TestPoolDrops: one worker holds the first item, the queue of one holds
// the second, and the third drops it (DropOldest).
func TestPoolDrops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		release := make(chan struct{})
		p, err := queue.NewPool(func(_ context.Context, v int) error {
			<-release
			return nil
		}, queue.WithWorkers(1), queue.WithCapacity(1), queue.WithOverflow(queue.DropOldest))
		if err != nil {
			t.Fatal(err)
		}
		reg, err := h.in.ObservePool("mailer", p.Stats)
		if err != nil {
			t.Fatal(err)
		}
		defer reg.Unregister()
		ctx := context.Background()
		for v := range 3 {
			if err := p.Submit(ctx, v); err != nil {
				t.Fatal(err)
			}
			synctest.Wait() // the worker takes item 0 before item 1 is queued
		}
		want(t, h.collect(t), map[string]string{
			"holdfast.queue.depth{holdfast.name=mailer}":                                "1",
			"holdfast.queue.capacity{holdfast.name=mailer}":                             "1",
			"holdfast.queue.in_flight{holdfast.name=mailer}":                            "1",
			"holdfast.queue.workers{holdfast.name=mailer}":                              "1",
			"holdfast.queue.items{holdfast.name=mailer,holdfast.queue.result=accepted}": "3",
			"holdfast.queue.items{holdfast.name=mailer,holdfast.queue.result=dropped}":  "1",
			"holdfast.queue.items{holdfast.name=mailer,holdfast.queue.result=handled}":  "0",
		})
		close(release)
		if _, err := p.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		want(t, h.collect(t), map[string]string{
			"holdfast.queue.depth{holdfast.name=mailer}":                               "0",
			"holdfast.queue.items{holdfast.name=mailer,holdfast.queue.result=handled}": "2",
			"holdfast.queue.items{holdfast.name=mailer,holdfast.queue.result=dropped}": "1",
		})
	})
}

func TestLimitShed(t *testing.T) {
	h := newHarness(t)
	b, err := limit.NewBulkhead(1)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := h.in.ObserveLimit("db", b.Stats)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	p, err := b.TryAcquire()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.TryAcquire(); !errors.Is(err, limit.ErrLimited) {
		t.Fatalf("second TryAcquire = %v, want ErrLimited", err)
	}
	want(t, h.collect(t), map[string]string{
		"holdfast.limit.limit{holdfast.name=db}":                                "1",
		"holdfast.limit.in_flight{holdfast.name=db}":                            "1",
		"holdfast.limit.calls{holdfast.limit.result=admitted,holdfast.name=db}": "1",
		"holdfast.limit.calls{holdfast.limit.result=rejected,holdfast.name=db}": "1",
	})
	p.Release(nil)
	want(t, h.collect(t), map[string]string{"holdfast.limit.in_flight{holdfast.name=db}": "0"})
}

func TestUnregister(t *testing.T) {
	h := newHarness(t)
	b, err := limit.NewBulkhead(1)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := h.in.ObserveLimit("db", b.Stats)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	if got := h.collect(t); len(got) != 0 {
		t.Errorf("after Unregister: %d points, want none: %v", len(got), got)
	}
}

func TestPoolHandleTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		obs, err := h.in.PoolObserver("mailer")
		if err != nil {
			t.Fatal(err)
		}
		p, err := queue.NewPool(func(_ context.Context, v int) error {
			time.Sleep(time.Duration(v+1) * time.Second)
			switch v {
			case 1:
				return limit.ErrLimited
			case 2:
				panic("bang")
			}
			return nil
		}, queue.WithWorkers(1), queue.WithObserver(obs), queue.WithOnError(func(int, error) {}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for v := range 3 {
			if err := p.Submit(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		want(t, h.collect(t), map[string]string{
			"holdfast.queue.handle_time{holdfast.name=mailer}":                    "1/1",
			"holdfast.queue.handle_time{error.type=limited,holdfast.name=mailer}": "1/2",
			"holdfast.queue.handle_time{error.type=panic,holdfast.name=mailer}":   "1/3",
		})
	})
}

func TestThrottle(t *testing.T) {
	h := newHarness(t)
	th, err := limit.NewThrottle()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := h.in.ObserveThrottle("search", th.Stats)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	overloaded := &limit.LimitedError{}
	for range 200 {
		_ = th.Do(context.Background(), func(context.Context) error { return overloaded })
	}
	st := th.Stats()
	if st.Rejected == 0 || st.Probability == 0 {
		t.Fatalf("Stats = %+v, want a throttle that rejects", st)
	}
	want(t, h.collect(t), map[string]string{
		"holdfast.limit.calls{holdfast.limit.result=rejected,holdfast.name=search}": fmt.Sprint(st.Rejected),
		"holdfast.limit.throttle.probability{holdfast.name=search}":                 fmt.Sprint(st.Probability),
	})
}
