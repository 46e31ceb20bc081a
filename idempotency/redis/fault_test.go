package redis

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/holdfast-go/holdfast/internal/redistest"
)

func TestRedisKilledMidRun(t *testing.T) {
	// Holders on replica A run their keys when redis-server is killed.
	// While it is down, every call fails with a Store error and runs
	// nothing; each holder's ctx is cancelled with ErrLeaseLost once its
	// lease has run out unrenewed, and its result is not recorded. No key
	// ever runs twice. After a restart the Store works again.
	srv := redistest.Start(t)
	const lease = 300 * time.Millisecond
	a := newGroup(t, newStore(t, newClient(t, srv.Addr())), idempotency.WithLease(lease))
	b := newGroup(t, newStore(t, newClient(t, srv.Addr())), idempotency.WithLease(lease),
		idempotency.WithPollInterval(5*time.Millisecond))
	const keys = 8
	var runs [keys]atomic.Int32
	var running sync.WaitGroup
	running.Add(keys)
	ctx := context.Background()
	holderErrs := make(chan error, keys)
	causes := make(chan error, keys)
	for k := range keys {
		go func() {
			_, _, err := idempotency.Do(ctx, a, "k"+strconv.Itoa(k), "", func(ctx context.Context) (int, error) {
				runs[k].Add(1)
				running.Done()
				<-ctx.Done()
				causes <- context.Cause(ctx)
				return k, nil
			})
			holderErrs <- err
		}()
	}
	running.Wait()
	srv.Stop()

	var wg sync.WaitGroup
	for i := range 100 {
		k := i % keys
		wg.Go(func() {
			_, _, err := idempotency.Do(ctx, b, "k"+strconv.Itoa(k), "", func(context.Context) (int, error) {
				runs[k].Add(1)
				return -1, nil
			})
			if !errors.Is(err, idempotency.ErrStore) {
				t.Errorf("Do while Redis is down = %v, want ErrStore", err)
			}
		})
	}
	wg.Wait()
	for range keys {
		if c := <-causes; c != idempotency.ErrLeaseLost {
			t.Errorf("holder's ctx cause = %v, want ErrLeaseLost", c)
		}
		if err := <-holderErrs; !errors.Is(err, idempotency.ErrStore) {
			t.Errorf("holder's Do = %v, want ErrStore (the result could not be recorded)", err)
		}
	}
	for k := range keys {
		if n := runs[k].Load(); n != 1 {
			t.Errorf("key k%d ran %d times, want 1", k, n)
		}
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// go-redis waits a while before dialling again after failed dials:
	// ask until it reconnects (a real process, so a real ticker).
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		v, _, err := idempotency.Do(ctx, b, "after", "", func(context.Context) (int, error) { return 9, nil })
		if err == nil {
			if v != 9 {
				t.Errorf("Do after restart = %d, want 9", v)
			}
			return
		}
		if !errors.Is(err, idempotency.ErrStore) || time.Now().After(deadline) {
			t.Fatalf("Do after restart = %v, want 9, nil", err)
		}
		<-tick.C
	}
}
