package cache

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// newCache returns a Cache[string] closed when t ends.
func newCache(t *testing.T, opts ...Option) *Cache[string] {
	t.Helper()
	c, err := New[string](opts...)
	if err != nil {
		t.Fatalf("New() = %v, want nil", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// loadCounter returns a loader of value that counts its calls.
func loadCounter(value string, err error) (func(context.Context) (string, error), *atomic.Int64) {
	var n atomic.Int64
	return func(context.Context) (string, error) {
		n.Add(1)
		return value, err
	}, &n
}

func TestNewOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"nil option", []Option{nil}, "nil Option"},
		{"nil store", []Option{WithStore(nil)}, "WithStore"},
		{"zero local entries", []Option{WithLocalEntries(0)}, "WithLocalEntries"},
		{"zero local cost", []Option{WithLocalCost(0, func(string, string) int64 { return 1 })}, "WithLocalCost"},
		{"nil weigher", []Option{WithLocalCost[string](1, nil)}, "WithLocalCost"},
		{"weigher of another type", []Option{WithLocalCost(10, func(string, int) int64 { return 1 })}, "WithLocalCost"},
		{"shards not a power of two", []Option{WithLocalShards(3)}, "WithLocalShards"},
		{"entries and cost", []Option{WithLocalEntries(5), WithLocalCost(10, func(string, string) int64 { return 1 })}, "WithLocalCost: cannot be combined with WithLocalEntries"},
		{"cost and entries", []Option{WithLocalCost(10, func(string, string) int64 { return 1 }), WithLocalEntries(5)}, "WithLocalEntries: cannot be combined with WithLocalCost"},
		{"zero local ttl", []Option{WithLocalTTL(0)}, "WithLocalTTL"},
		{"negative remote ttl", []Option{WithRemoteTTL(-time.Second)}, "WithRemoteTTL"},
		{"local ttl longer than remote", []Option{WithLocalTTL(time.Hour), WithRemoteTTL(time.Minute)}, "WithLocalTTL"},
		{"jitter above 1", []Option{WithJitter(1.5)}, "WithJitter"},
		{"jitter NaN", []Option{WithJitter(math.NaN())}, "WithJitter"},
		{"negative grace", []Option{WithStaleGrace(-time.Second)}, "WithStaleGrace"},
		{"negative early refresh", []Option{WithEarlyRefresh(-time.Second)}, "WithEarlyRefresh"},
		{"early refresh past local ttl", []Option{WithLocalTTL(time.Second), WithEarlyRefresh(time.Second)}, "WithEarlyRefresh"},
		{"negative negative ttl", []Option{WithNegativeTTL(-time.Second)}, "WithNegativeTTL"},
		{"nil codec", []Option{WithCodec(nil)}, "WithCodec"},
		{"zero load timeout", []Option{WithLoadTimeout(0)}, "WithLoadTimeout"},
		{"zero remote timeout", []Option{WithRemoteTimeout(0)}, "WithRemoteTimeout"},
		{"nil guard", []Option{WithRemoteGuard(nil)}, "WithRemoteGuard"},
		{"empty channel", []Option{WithInvalidation("")}, "WithInvalidation"},
		{"nil error hook", []Option{WithOnRemoteError(nil)}, "WithOnRemoteError"},
		{"nil invalidation hook", []Option{WithOnInvalidate(nil)}, "WithOnInvalidate"},
		{"without local, sized", []Option{WithoutLocal(), WithLocalEntries(5)}, "WithoutLocal"},
		{"without local, weighed", []Option{WithoutLocal(), WithLocalCost(10, func(string, string) int64 { return 1 })}, "WithoutLocal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New[string](tt.opts...)
			if err == nil {
				_ = c.Close()
				t.Fatalf("New() = nil error, want one naming %s", tt.want)
			}
			if !strings.HasPrefix(err.Error(), "cache: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() = %q, want an error starting with \"cache: \" naming %s", err, tt.want)
			}
		})
	}
}

func TestDefaultLocalTTLFollowsRemote(t *testing.T) {
	c := newCache(t, WithRemoteTTL(time.Second))
	if c.cfg.localTTL != time.Second {
		t.Errorf("local ttl with WithRemoteTTL(1s) = %v, want 1s", c.cfg.localTTL)
	}
}

func TestGetSetDelete(t *testing.T) {
	ctx := context.Background()
	store := newMemoryStore(t, 100)
	c := newCache(t, WithStore(store))
	if _, err := c.Get(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(k) on an empty cache = %v, want ErrNotFound", err)
	}
	if err := c.Set(ctx, "k", "v"); err != nil {
		t.Fatalf("Set(k) = %v, want nil", err)
	}
	if v, err := c.Get(ctx, "k"); v != "v" || err != nil {
		t.Fatalf("Get(k) = %q, %v, want v, nil", v, err)
	}
	if _, err := store.Get(ctx, "k"); err != nil {
		t.Errorf("the Store after Set: %v, want the key", err)
	}
	// A value only in the Store is read from it, then from the local tier.
	other := newCache(t, WithStore(store))
	for range 2 {
		if v, err := other.Get(ctx, "k"); v != "v" || err != nil {
			t.Fatalf("Get(k) through a second cache = %q, %v, want v, nil", v, err)
		}
	}
	if st := other.Stats(); st.RemoteHits != 1 || st.LocalHits != 1 || st.Misses != 0 {
		t.Errorf("second cache's stats = %+v, want 1 remote hit, 1 local hit", st)
	}
	if st := c.Stats(); st.LocalHits != 1 || st.Misses != 1 {
		t.Errorf("first cache's stats = %+v, want 1 local hit, 1 miss", st)
	}
	if err := c.Delete(ctx, "k", "missing"); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	if _, err := c.Get(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(k) after Delete = %v, want ErrNotFound", err)
	}
	if _, err := store.Get(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the Store after Delete: %v, want ErrNotFound", err)
	}
	if err := c.Delete(ctx); err != nil {
		t.Errorf("Delete() of no keys = %v, want nil", err)
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	c := newCache(t)
	load := func(context.Context) (string, error) { return "v", nil }
	if _, err := c.Get(ctx, ""); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("Get(\"\") = %v, want ErrEmptyKey", err)
	}
	if _, err := c.GetOrLoad(ctx, "", load); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("GetOrLoad(\"\") = %v, want ErrEmptyKey", err)
	}
	if err := c.Set(ctx, "", "v"); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("Set(\"\") = %v, want ErrEmptyKey", err)
	}
	if err := c.Delete(ctx, "a", ""); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("Delete(a, \"\") = %v, want ErrEmptyKey", err)
	}
	if _, err := c.GetOrLoad(ctx, "k", nil); err == nil || !strings.Contains(err.Error(), "loader must not be nil") {
		t.Errorf("GetOrLoad with a nil loader = %v, want an error", err)
	}
	_ = c.Set(ctx, "cached", "v")
	if _, err := c.GetOrLoad(ctx, "cached", nil); err == nil {
		t.Errorf("GetOrLoad of a cached key with a nil loader = nil error, want an error")
	}

	funcs, err := New[func()]()
	if err != nil {
		t.Fatal(err)
	}
	defer funcs.Close()
	if err := funcs.Set(ctx, "f", func() {}); err == nil || !strings.Contains(err.Error(), "encode") {
		t.Errorf("Set of a value JSON cannot encode = %v, want an encode error", err)
	}
	if _, err := funcs.Get(ctx, "f"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after a failed Set = %v, want ErrNotFound", err)
	}

	_ = c.Close()
	if err := c.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if _, err := c.Get(ctx, "cached"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
	if _, err := c.GetOrLoad(ctx, "cached", load); !errors.Is(err, ErrClosed) {
		t.Errorf("GetOrLoad after Close = %v, want ErrClosed", err)
	}
	if err := c.Set(ctx, "k", "v"); !errors.Is(err, ErrClosed) {
		t.Errorf("Set after Close = %v, want ErrClosed", err)
	}
	if err := c.Delete(ctx, "k"); !errors.Is(err, ErrClosed) {
		t.Errorf("Delete after Close = %v, want ErrClosed", err)
	}
}

func TestCorruptValueIsAMiss(t *testing.T) {
	ctx := context.Background()
	store := newMemoryStore(t, 100)
	var ops []string
	c := newCache(t, WithStore(store), WithOnRemoteError(func(op string, err error) {
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("hook error %v does not match ErrCorrupt", err)
		}
		ops = append(ops, op)
	}))
	wrongType := envelope{payload: []byte(`{"an":"object"}`), freshUntil: time.Now().Add(time.Hour).UnixNano()}.encode()
	for key, raw := range map[string][]byte{"garbage": []byte("not an envelope"), "wrong type": wrongType} {
		_ = store.Set(ctx, key, raw, 0)
		if _, err := c.Get(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%s) = %v, want ErrNotFound", key, err)
		}
		load, n := loadCounter("fresh", nil)
		if v, err := c.GetOrLoad(ctx, key, load); v != "fresh" || err != nil || n.Load() != 1 {
			t.Errorf("GetOrLoad(%s) = %q, %v after %d loads, want fresh, nil after 1", key, v, err, n.Load())
		}
		if v, err := c.Get(ctx, key); v != "fresh" || err != nil {
			t.Errorf("Get(%s) after the load = %q, %v, want fresh, nil", key, v, err)
		}
	}
	if st := c.Stats(); st.DecodeErrors != 4 || st.RemoteErrors != 0 {
		t.Errorf("stats = %+v, want 4 decode errors, no remote errors", st)
	}
	if want := "decode decode decode decode"; strings.Join(ops, " ") != want {
		t.Errorf("hook ops = %v, want %s", ops, want)
	}
}

func TestGetOrLoad(t *testing.T) {
	ctx := context.Background()
	c := newCache(t)
	load, n := loadCounter("v", nil)
	for range 3 {
		if v, err := c.GetOrLoad(ctx, "k", load); v != "v" || err != nil {
			t.Fatalf("GetOrLoad(k) = %q, %v, want v, nil", v, err)
		}
	}
	if n.Load() != 1 {
		t.Errorf("loader calls = %d, want 1", n.Load())
	}
	if st := c.Stats(); st.Misses != 1 || st.LocalHits != 2 || st.Loads != 1 {
		t.Errorf("stats = %+v, want 1 miss, 2 local hits, 1 load", st)
	}
	boom := errors.New("boom")
	failing, _ := loadCounter("", boom)
	if _, err := c.GetOrLoad(ctx, "bad", failing); !errors.Is(err, boom) {
		t.Errorf("GetOrLoad with a failing loader = %v, want boom", err)
	}
	if _, err := c.Get(ctx, "bad"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after a failed load = %v, want ErrNotFound (errors are not cached)", err)
	}
	if st := c.Stats(); st.LoadErrors != 1 {
		t.Errorf("LoadErrors = %d, want 1", st.LoadErrors)
	}
}

func TestStampedeMakesOneLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := newCache(t)
		release := make(chan struct{})
		var loads atomic.Int64
		load := func(context.Context) (string, error) {
			loads.Add(1)
			<-release
			return "v", nil
		}
		const n = 1000
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				if v, err := c.GetOrLoad(ctx, "cold", load); v != "v" || err != nil {
					errs <- fmt.Errorf("GetOrLoad = %q, %v, want v, nil", v, err)
				}
			})
		}
		synctest.Wait() // every caller is waiting for the one load
		close(release)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if loads.Load() != 1 {
			t.Errorf("loads = %d, want 1", loads.Load())
		}
		if st := c.Stats(); st.Misses != n || st.Loads != 1 {
			t.Errorf("stats = %+v, want %d misses, 1 load", st, n)
		}
	})
}

func TestLeaderCancellationDoesNotFailFollowers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCache(t)
		started, release := make(chan struct{}), make(chan struct{})
		load := func(ctx context.Context) (string, error) {
			close(started)
			select {
			case <-release:
				return "v", nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		leaderCtx, cancel := context.WithCancel(context.Background())
		leader := make(chan error, 1)
		go func() {
			_, err := c.GetOrLoad(leaderCtx, "k", load)
			leader <- err
		}()
		<-started
		follower := make(chan string, 1)
		go func() {
			v, _ := c.GetOrLoad(context.Background(), "k", load)
			follower <- v
		}()
		synctest.Wait()
		cancel()
		if err := <-leader; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled leader's GetOrLoad = %v, want context.Canceled", err)
		}
		close(release)
		if v := <-follower; v != "v" {
			t.Errorf("follower's GetOrLoad = %q, want v", v)
		}
		if v, err := c.Get(context.Background(), "k"); v != "v" || err != nil {
			t.Errorf("Get after the load = %q, %v, want v, nil", v, err)
		}
	})
}

func TestLoadTimeoutAndCallerDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCache(t, WithLoadTimeout(5*time.Second))
		var deadline time.Time
		load := func(ctx context.Context) (string, error) {
			deadline, _ = ctx.Deadline()
			<-ctx.Done()
			return "", ctx.Err()
		}
		start := time.Now()
		short, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := c.GetOrLoad(short, "k", load); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("GetOrLoad past the caller's deadline = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("GetOrLoad returned after %v, want 1s, the caller's deadline", d)
		}
		// The load goes on, for a caller that waits, until its own timeout.
		if _, err := c.GetOrLoad(context.Background(), "k", load); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("GetOrLoad of a load that times out = %v, want DeadlineExceeded", err)
		}
		if d := deadline.Sub(start); d != 5*time.Second {
			t.Errorf("the loader's deadline is %v after the first call, want 5s (WithLoadTimeout)", d)
		}
	})
}

func TestPanickingLoader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCache(t)
		release := make(chan struct{})
		load := func(context.Context) (string, error) {
			<-release
			panic("loader bug")
		}
		const n = 5
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := c.GetOrLoad(context.Background(), "k", load)
				errs <- err
			}()
		}
		synctest.Wait()
		close(release)
		for range n {
			var pe *PanicError
			if err := <-errs; !errors.As(err, &pe) || pe.Value != "loader bug" || !strings.Contains(string(pe.Stack), "TestPanickingLoader") {
				t.Errorf("GetOrLoad with a panicking loader = %v, want a *PanicError with the value and stack", err)
			}
		}
		if st := c.Stats(); st.LoadErrors != 1 || st.Loads != 1 {
			t.Errorf("stats = %+v, want 1 load, 1 load error", st)
		}
		wrapped := &PanicError{Value: context.Canceled}
		if !errors.Is(wrapped, context.Canceled) || !strings.HasPrefix(wrapped.Error(), "cache: ") {
			t.Errorf("PanicError{%v}: Is = false or Error() = %q", wrapped.Value, wrapped.Error())
		}
	})
}

func TestNegativeCaching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newMemoryStore(t, 10)
		c := newCache(t, WithStore(store), WithNegativeTTL(5*time.Second), WithJitter(0))
		load, n := loadCounter("", fmt.Errorf("no such user: %w", ErrNotFound))
		for range 3 {
			if _, err := c.GetOrLoad(ctx, "ghost", load); !errors.Is(err, ErrNotFound) {
				t.Fatalf("GetOrLoad(ghost) = %v, want ErrNotFound", err)
			}
		}
		if _, err := c.Get(ctx, "ghost"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(ghost) = %v, want ErrNotFound", err)
		}
		if n.Load() != 1 {
			t.Errorf("loader calls within the negative ttl = %d, want 1", n.Load())
		}
		// Another cache on the Store sees the remembered miss too.
		other := newCache(t, WithStore(store), WithNegativeTTL(5*time.Second))
		if _, err := other.GetOrLoad(ctx, "ghost", load); !errors.Is(err, ErrNotFound) || n.Load() != 1 {
			t.Errorf("other cache's GetOrLoad(ghost) = %v after %d loads, want ErrNotFound after 1", err, n.Load())
		}
		if st := c.Stats(); st.NegativeHits != 3 || st.LoadErrors != 0 || st.Misses != 1 {
			t.Errorf("stats = %+v, want 3 negative hits, 1 miss, no load errors", st)
		}
		time.Sleep(5 * time.Second)
		if _, err := c.GetOrLoad(ctx, "ghost", load); !errors.Is(err, ErrNotFound) || n.Load() != 2 {
			t.Errorf("GetOrLoad(ghost) after the negative ttl = %v after %d loads, want ErrNotFound after 2", err, n.Load())
		}
	})
}

// TestNegativeNotRefreshed checks that a remembered ErrNotFound is neither
// refreshed early nor served past its ttl: the next caller waits for the
// loader.
func TestNegativeNotRefreshed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := newCache(t, WithNegativeTTL(5*time.Second), WithStaleGrace(time.Minute),
			WithEarlyRefresh(2*time.Second), WithJitter(0))
		var loads atomic.Int64
		load := func(context.Context) (string, error) {
			if loads.Add(1) == 1 {
				return "", ErrNotFound
			}
			return "v", nil
		}
		if _, err := c.GetOrLoad(ctx, "k", load); !errors.Is(err, ErrNotFound) {
			t.Fatalf("first GetOrLoad = %v, want ErrNotFound", err)
		}
		time.Sleep(4 * time.Second) // in the early-refresh window
		if _, err := c.GetOrLoad(ctx, "k", load); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetOrLoad within the negative ttl = %v, want ErrNotFound", err)
		}
		synctest.Wait()
		if n := loads.Load(); n != 1 {
			t.Errorf("loads within the negative ttl = %d, want 1 (no early refresh)", n)
		}
		time.Sleep(time.Second) // past the negative ttl, within the grace period
		if v, err := c.GetOrLoad(ctx, "k", load); v != "v" || err != nil || loads.Load() != 2 {
			t.Errorf("GetOrLoad past the negative ttl = %q, %v after %d loads, want v, nil after 2", v, err, loads.Load())
		}
		if st := c.Stats(); st.StaleServed != 0 || st.Refreshes != 0 {
			t.Errorf("stats = %+v, want nothing stale served, no refresh", st)
		}
	})
}

func TestNoNegativeCachingByDefault(t *testing.T) {
	c := newCache(t)
	load, n := loadCounter("", ErrNotFound)
	for range 3 {
		if _, err := c.GetOrLoad(context.Background(), "ghost", load); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetOrLoad(ghost) = %v, want ErrNotFound", err)
		}
	}
	if n.Load() != 3 {
		t.Errorf("loader calls = %d, want 3", n.Load())
	}
}

func TestStaleWhileRevalidate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := newCache(t, WithLocalTTL(time.Minute), WithRemoteTTL(time.Minute),
			WithStaleGrace(30*time.Second), WithJitter(0))
		var version atomic.Int64
		release := make(chan struct{}, 10)
		load := func(ctx context.Context) (string, error) {
			v := version.Add(1)
			if v > 1 {
				<-release
			}
			return fmt.Sprint("v", v), nil
		}
		if v, _ := c.GetOrLoad(ctx, "k", load); v != "v1" {
			t.Fatalf("first GetOrLoad = %q, want v1", v)
		}
		time.Sleep(time.Minute + time.Second) // stale, within the grace period
		for range 5 {
			if v, err := c.GetOrLoad(ctx, "k", load); v != "v1" || err != nil {
				t.Fatalf("stale GetOrLoad = %q, %v, want v1 at once", v, err)
			}
		}
		if _, err := c.Get(ctx, "k"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get of a stale value = %v, want ErrNotFound (Get never serves stale)", err)
		}
		synctest.Wait()
		if version.Load() != 2 {
			t.Fatalf("loads after 5 stale hits = %d, want 2 (one refresh)", version.Load())
		}
		release <- struct{}{}
		synctest.Wait()
		if v, _ := c.GetOrLoad(ctx, "k", load); v != "v2" {
			t.Errorf("GetOrLoad after the refresh = %q, want v2", v)
		}
		if st := c.Stats(); st.StaleServed != 5 || st.Refreshes != 1 || st.Loads != 2 {
			t.Errorf("stats = %+v, want 5 stale served, 1 refresh, 2 loads", st)
		}
		// Past the grace period, a caller waits for the load.
		time.Sleep(time.Minute + 30*time.Second)
		release <- struct{}{}
		if v, _ := c.GetOrLoad(ctx, "k", load); v != "v3" {
			t.Errorf("GetOrLoad past the grace period = %q, want v3", v)
		}
	})
}

func TestStaleFromStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newMemoryStore(t, 10)
		opts := []Option{WithStore(store), WithLocalTTL(time.Minute), WithRemoteTTL(time.Minute),
			WithStaleGrace(time.Minute), WithJitter(0)}
		writer := newCache(t, opts...)
		_ = writer.Set(ctx, "k", "old")
		time.Sleep(90 * time.Second)
		reader := newCache(t, opts...)
		release := make(chan struct{})
		load := func(context.Context) (string, error) { <-release; return "new", nil }
		if v, err := reader.GetOrLoad(ctx, "k", load); v != "old" || err != nil {
			t.Errorf("GetOrLoad of a stale value in the Store = %q, %v, want old, nil", v, err)
		}
		close(release)
		synctest.Wait()
		if v, _ := reader.Get(ctx, "k"); v != "new" {
			t.Errorf("Get after the background refresh = %q, want new", v)
		}
		if st := reader.Stats(); st.RemoteHits != 1 || st.StaleServed != 1 || st.Refreshes != 1 {
			t.Errorf("stats = %+v, want 1 remote hit, 1 stale served, 1 refresh", st)
		}
	})
}

func TestFailedRefreshServesStaleThenLoads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := newCache(t, WithLocalTTL(time.Minute), WithRemoteTTL(time.Minute),
			WithStaleGrace(time.Minute), WithJitter(0))
		_ = c.Set(ctx, "k", "old")
		time.Sleep(61 * time.Second)
		boom := errors.New("source down")
		load, n := loadCounter("", boom)
		for range 3 {
			if v, err := c.GetOrLoad(ctx, "k", load); v != "old" || err != nil {
				t.Fatalf("stale GetOrLoad = %q, %v, want old, nil", v, err)
			}
			synctest.Wait()
		}
		if n.Load() != 1 {
			t.Errorf("refresh attempts = %d, want 1 per stale value", n.Load())
		}
		time.Sleep(time.Minute)
		if _, err := c.GetOrLoad(ctx, "k", load); !errors.Is(err, boom) {
			t.Errorf("GetOrLoad past the grace period = %v, want the loader's error", err)
		}
	})
}

func TestEarlyRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := newCache(t, WithLocalTTL(time.Minute), WithRemoteTTL(time.Minute),
			WithEarlyRefresh(10*time.Second), WithJitter(0))
		var version atomic.Int64
		load := func(context.Context) (string, error) { return fmt.Sprint("v", version.Add(1)), nil }
		_, _ = c.GetOrLoad(ctx, "k", load)
		time.Sleep(45 * time.Second)
		if v, _ := c.GetOrLoad(ctx, "k", load); v != "v1" {
			t.Fatalf("GetOrLoad before the window = %q, want v1", v)
		}
		synctest.Wait()
		if version.Load() != 1 {
			t.Fatalf("loads before the refresh window = %d, want 1", version.Load())
		}
		time.Sleep(10 * time.Second) // 5s left
		if v, _ := c.GetOrLoad(ctx, "k", load); v != "v1" {
			t.Errorf("GetOrLoad in the window = %q, want v1 at once", v)
		}
		synctest.Wait()
		if v, _ := c.GetOrLoad(ctx, "k", load); v != "v2" {
			t.Errorf("GetOrLoad after the early refresh = %q, want v2", v)
		}
		if st := c.Stats(); st.StaleServed != 0 || st.Refreshes != 1 {
			t.Errorf("stats = %+v, want 1 refresh, nothing stale", st)
		}
	})
}

func TestTTLs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newMemoryStore(t, 10)
		c := newCache(t, WithStore(store), WithLocalTTL(10*time.Second), WithRemoteTTL(time.Minute), WithJitter(0))
		_ = c.Set(ctx, "k", "v")
		time.Sleep(10 * time.Second)
		if v, err := c.Get(ctx, "k"); v != "v" || err != nil {
			t.Errorf("Get past the local ttl = %q, %v, want v from the Store", v, err)
		}
		if st := c.Stats(); st.RemoteHits != 1 || st.LocalHits != 0 {
			t.Errorf("stats = %+v, want 1 remote hit", st)
		}
		time.Sleep(50 * time.Second)
		if _, err := c.Get(ctx, "k"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get past the remote ttl = %v, want ErrNotFound", err)
		}
	})
}

func TestJitterShortensTTLs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := newCache(t, WithLocalTTL(100*time.Second), WithRemoteTTL(100*time.Second), WithJitter(0.5))
		for i := range 100 {
			_ = c.Set(ctx, fmt.Sprint(i), "v")
		}
		time.Sleep(50*time.Second - time.Nanosecond)
		if n := c.local.Len(); n != 100 {
			t.Fatalf("entries before half the ttl = %d, want 100", n)
		}
		time.Sleep(25 * time.Second)
		alive := 0
		for i := range 100 {
			if _, err := c.Get(ctx, fmt.Sprint(i)); err == nil {
				alive++
			}
		}
		if alive == 0 || alive == 100 {
			t.Errorf("entries alive at 3/4 of the ttl with jitter 0.5 = %d, want some but not all", alive)
		}
	})
}

func TestInvalidationThroughMemoryStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newMemoryStore(t, 100)
		a := newCache(t, WithStore(store), WithNamespace("users:"))
		var dropped [][]string
		b := newCache(t, WithStore(store), WithNamespace("users:"),
			WithOnInvalidate(func(keys []string) { dropped = append(dropped, keys) }))
		otherNS := newCache(t, WithStore(store), WithNamespace("other:"))
		_ = otherNS.Set(ctx, "k", "unrelated")
		_ = a.Set(ctx, "k", "v1")
		synctest.Wait()
		if v, _ := b.Get(ctx, "k"); v != "v1" {
			t.Fatalf("b.Get(k) = %q, want v1", v)
		}
		dropped = nil
		_ = a.Set(ctx, "k", "v2")
		synctest.Wait()
		if v, _ := b.Get(ctx, "k"); v != "v2" {
			t.Errorf("b.Get(k) after a.Set = %q, want v2", v)
		}
		_ = a.Delete(ctx, "k")
		synctest.Wait()
		if _, err := b.Get(ctx, "k"); !errors.Is(err, ErrNotFound) {
			t.Errorf("b.Get(k) after a.Delete = %v, want ErrNotFound", err)
		}
		if fmt.Sprint(dropped) != "[[k] [k]]" {
			t.Errorf("b's invalidations = %v, want [[k] [k]]", dropped)
		}
		if v, _ := otherNS.Get(ctx, "k"); v != "unrelated" {
			t.Errorf("a cache in another namespace lost its key: Get = %q", v)
		}
		if st := b.Stats(); st.Invalidations != 3 {
			t.Errorf("b.Stats().Invalidations = %d, want 3", st.Invalidations)
		}
		if st := a.Stats(); st.Invalidations != 0 {
			t.Errorf("a ignores its own messages: Invalidations = %d, want 0", st.Invalidations)
		}
	})
}

func TestInvalidationDuringLoadSkipsTheFill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := newCache(t)
		release := make(chan struct{})
		load := func(context.Context) (string, error) { <-release; return "old", nil }
		done := make(chan string)
		go func() {
			v, _ := c.GetOrLoad(ctx, "k", load)
			done <- v
		}()
		synctest.Wait()
		_ = c.Delete(ctx, "k") // the source changed while the load ran
		close(release)
		if v := <-done; v != "old" {
			t.Errorf("GetOrLoad = %q, want old (the caller still gets its value)", v)
		}
		if _, err := c.Get(ctx, "k"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after a Delete during the load = %v, want ErrNotFound (the load is not cached)", err)
		}
	})
}

// TestInvalidationDuringFillSkipsTheFill checks that a Delete that runs
// between a fill's generation check and its store into the local tier still
// leaves no local copy behind. The weigher, which the local tier calls in
// the middle of its Set, runs the Delete at that moment.
func TestInvalidationDuringFillSkipsTheFill(t *testing.T) {
	tests := []struct {
		name string
		fill func(c *Cache[string]) error // a call that fills the local tier with "old"
	}{
		{"Get", func(c *Cache[string]) error { _, err := c.Get(context.Background(), "k"); return err }},
		{"Set", func(c *Cache[string]) error { return c.Set(context.Background(), "k", "old") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := newMemoryStore(t, 10)
			old := envelope{payload: []byte(`"old"`), freshUntil: time.Now().Add(time.Hour).UnixNano()}.encode()
			_ = store.Set(ctx, "k", old, 0)
			var c *Cache[string]
			var armed atomic.Bool
			c = newCache(t, WithStore(store), WithLocalCost(100, func(k string, _ string) int64 {
				if armed.CompareAndSwap(true, false) {
					_ = c.Delete(ctx, k)
				}
				return 1
			}))
			armed.Store(true)
			if err := tt.fill(c); err != nil {
				t.Fatalf("%s(k) = %v, want nil", tt.name, err)
			}
			if armed.Load() {
				t.Fatal("the weigher did not run the Delete")
			}
			if v, err := c.Get(ctx, "k"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get(k) after a Delete during the fill = %q, %v, want ErrNotFound", v, err)
			}
		})
	}
}

func TestWithoutLocal(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: newMemoryStore(t, 10)}
	c := newCache(t, WithStore(store), WithoutLocal())
	_ = c.Set(ctx, "k", "v")
	for range 3 {
		if v, err := c.Get(ctx, "k"); v != "v" || err != nil {
			t.Fatalf("Get(k) = %q, %v, want v, nil", v, err)
		}
	}
	if got := store.gets.Load(); got != 3 {
		t.Errorf("Store reads for 3 Gets without a local tier = %d, want 3", got)
	}
	if st := c.Stats(); st.LocalHits != 0 || st.RemoteHits != 3 {
		t.Errorf("stats = %+v, want 3 remote hits", st)
	}
}

func TestCacheLocalCost(t *testing.T) {
	ctx := context.Background()
	c := newCache(t, WithLocalCost(10, func(_ string, v string) int64 { return int64(len(v)) }))
	_ = c.Set(ctx, "big", strings.Repeat("x", 11))
	_ = c.Set(ctx, "small", "xx")
	if _, ok := c.local.Get("big"); ok {
		t.Error("a value costing more than the bound is in the local tier")
	}
	if v, err := c.Get(ctx, "big"); err != nil || len(v) != 11 {
		t.Errorf("Get(big) = %q, %v, want it from the Store", v, err)
	}
	if st := c.Stats(); st.Local.Cost != 2 {
		t.Errorf("local cost = %d, want 2", st.Local.Cost)
	}
}

// countingStore counts the reads of the Store it wraps.
type countingStore struct {
	Store
	gets atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.gets.Add(1)
	return s.Store.Get(ctx, key)
}

// faultyStore fails or hangs on demand, and can end subscriptions.
type faultyStore struct {
	*MemoryStore
	mu          sync.Mutex
	err         error // returned by every call while set
	hang        bool  // every call waits for its ctx while set
	subscribes  int
	failSubs    int // the next failSubs Subscribe calls fail
	subscribers []Subscription
}

func newFaultyStore(t *testing.T) *faultyStore {
	return &faultyStore{MemoryStore: newMemoryStore(t, 100)}
}

func (s *faultyStore) set(err error, hang bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err, s.hang = err, hang
}

func (s *faultyStore) fault(ctx context.Context) error {
	s.mu.Lock()
	err, hang := s.err, s.hang
	s.mu.Unlock()
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func (s *faultyStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.fault(ctx); err != nil {
		return nil, err
	}
	return s.MemoryStore.Get(ctx, key)
}

func (s *faultyStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if err := s.fault(ctx); err != nil {
		return err
	}
	return s.MemoryStore.Set(ctx, key, val, ttl)
}

func (s *faultyStore) GetOrAdd(ctx context.Context, key string, val []byte, ttl time.Duration) ([]byte, bool, error) {
	if err := s.fault(ctx); err != nil {
		return nil, false, err
	}
	return s.MemoryStore.GetOrAdd(ctx, key, val, ttl)
}

func (s *faultyStore) CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	if err := s.fault(ctx); err != nil {
		return false, err
	}
	return s.MemoryStore.CompareAndSet(ctx, key, old, val, ttl)
}

func (s *faultyStore) Delete(ctx context.Context, keys ...string) error {
	if err := s.fault(ctx); err != nil {
		return err
	}
	return s.MemoryStore.Delete(ctx, keys...)
}

func (s *faultyStore) Publish(ctx context.Context, channel, msg string) error {
	if err := s.fault(ctx); err != nil {
		return err
	}
	return s.MemoryStore.Publish(ctx, channel, msg)
}

func (s *faultyStore) Subscribe(ctx context.Context, channel string) (Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subscribes++
	if s.failSubs > 0 {
		s.failSubs--
		return nil, errors.New("subscribe refused")
	}
	sub, err := s.MemoryStore.Subscribe(ctx, channel)
	if err == nil {
		s.subscribers = append(s.subscribers, sub)
	}
	return sub, err
}

// endSubscriptions ends every subscription, as a lost connection would.
func (s *faultyStore) endSubscriptions() {
	s.mu.Lock()
	subs := s.subscribers
	s.subscribers = nil
	s.mu.Unlock()
	for _, sub := range subs {
		_ = sub.Close()
	}
}

func TestStoreDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newFaultyStore(t)
		var ops []string
		c := newCache(t, WithStore(store), WithOnRemoteError(func(op string, err error) { ops = append(ops, op) }))
		_ = c.Set(ctx, "hot", "v")
		down := errors.New("connection refused")
		store.set(down, false)

		if v, err := c.Get(ctx, "hot"); v != "v" || err != nil {
			t.Errorf("Get of a local value with the Store down = %q, %v, want v, nil", v, err)
		}
		load, n := loadCounter("loaded", nil)
		if v, err := c.GetOrLoad(ctx, "cold", load); v != "loaded" || err != nil {
			t.Errorf("GetOrLoad with the Store down = %q, %v, want the loader's value, nil", v, err)
		}
		if v, err := c.GetOrLoad(ctx, "cold", load); v != "loaded" || err != nil || n.Load() != 1 {
			t.Errorf("second GetOrLoad = %q, %v after %d loads, want loaded from the local tier", v, err, n.Load())
		}
		if _, err := c.Get(ctx, "missing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get of a missing key with the Store down = %v, want ErrNotFound", err)
		}
		if err := c.Set(ctx, "hot", "v2"); !errors.Is(err, down) {
			t.Errorf("Set with the Store down = %v, want the Store's error", err)
		}
		if _, err := c.Get(ctx, "hot"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after a failed Set = %v, want ErrNotFound (no local copy of a failed write)", err)
		}
		if err := c.Delete(ctx, "cold"); !errors.Is(err, down) {
			t.Errorf("Delete with the Store down = %v, want the Store's error", err)
		}
		if _, err := c.Get(ctx, "cold"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after a failed Delete = %v, want ErrNotFound (the local copy is gone)", err)
		}
		// GetOrLoad: get (and no write-back to a Store whose read just
		// failed); Get(missing): get; Set: set; Get(hot): get; Delete:
		// delete, publish (the others drop their copies even so); Get(cold):
		// get.
		want := "get get set get delete publish get"
		if got := strings.Join(ops, " "); got != want {
			t.Errorf("reported ops = %q, want %q", got, want)
		}
		if st := c.Stats(); st.RemoteErrors != int64(len(ops)) {
			t.Errorf("RemoteErrors = %d, want %d", st.RemoteErrors, len(ops))
		}

		store.set(nil, false)
		if err := c.Set(ctx, "hot", "v3"); err != nil {
			t.Errorf("Set after the Store is back = %v, want nil", err)
		}
	})
}

func TestSlowStoreIsBoundedByRemoteTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newFaultyStore(t)
		c := newCache(t, WithStore(store), WithRemoteTimeout(50*time.Millisecond))
		store.set(nil, true)
		start := time.Now()
		load, _ := loadCounter("loaded", nil)
		if v, err := c.GetOrLoad(ctx, "k", load); v != "loaded" || err != nil {
			t.Errorf("GetOrLoad with a hung Store = %q, %v, want loaded, nil", v, err)
		}
		// One read, cut at the remote timeout, and no write-back to the
		// Store that has just failed.
		if d := time.Since(start); d != 50*time.Millisecond {
			t.Errorf("GetOrLoad took %v, want 50ms (one Store call at the 50ms timeout)", d)
		}
		start = time.Now()
		short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		if _, err := c.Get(short, "other"); !errors.Is(err, ErrNotFound) || time.Since(start) != 10*time.Millisecond {
			t.Errorf("Get within a 10ms deadline = %v after %v, want ErrNotFound after 10ms", err, time.Since(start))
		}
		if st := c.Stats(); st.RemoteErrors != 1 {
			t.Errorf("RemoteErrors = %d, want 1 (the caller's own deadline is not a Store fault)", st.RemoteErrors)
		}
	})
}

func TestRemoteGuard(t *testing.T) {
	ctx := context.Background()
	open := errors.New("breaker open")
	var calls, denied atomic.Int64
	var deny atomic.Bool
	guard := func(ctx context.Context, call func(context.Context) error) error {
		calls.Add(1)
		if deny.Load() {
			denied.Add(1)
			return open
		}
		return call(ctx)
	}
	var guardErrs []error
	c := newCache(t, WithRemoteGuard(guard), WithOnRemoteError(func(op string, err error) {
		if op != "subscribe" {
			guardErrs = append(guardErrs, err)
		}
	}))
	calls.Store(0) // the subscription went through the guard too
	if _, err := c.Get(ctx, "missing"); !errors.Is(err, ErrNotFound) || calls.Load() != 1 {
		t.Errorf("Get(missing) = %v after %d guarded calls, want ErrNotFound after 1", err, calls.Load())
	}
	if len(guardErrs) != 0 {
		t.Errorf("a miss was reported as a failure: %v", guardErrs)
	}
	deny.Store(true)
	load, _ := loadCounter("v", nil)
	if v, err := c.GetOrLoad(ctx, "k", load); v != "v" || err != nil {
		t.Errorf("GetOrLoad with the guard open = %q, %v, want v, nil", v, err)
	}
	if denied.Load() != 1 || len(guardErrs) != 1 || !errors.Is(guardErrs[0], open) {
		t.Errorf("denied %d calls, reported %v, want 1 denied (the get; no write-back after it) and reported", denied.Load(), guardErrs)
	}
}

func TestCloseCancelsLoads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := New[string]()
		if err != nil {
			t.Fatal(err)
		}
		load := func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}
		done := make(chan error)
		go func() {
			_, err := c.GetOrLoad(context.Background(), "k", load)
			done <- err
		}()
		synctest.Wait()
		if err := c.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("GetOrLoad cut by Close = %v, want context.Canceled", err)
		}
	})
}

func TestResubscribeResetsTheLocalTier(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newFaultyStore(t)
		store.failSubs = 3
		var mu sync.Mutex // the hooks run on the Cache's goroutine
		var ops []string
		var flushes int
		c := newCache(t, WithStore(store),
			WithOnRemoteError(func(op string, err error) {
				mu.Lock()
				defer mu.Unlock()
				ops = append(ops, op)
			}),
			WithOnInvalidate(func(keys []string) {
				mu.Lock()
				defer mu.Unlock()
				if keys == nil {
					flushes++
				}
			}))
		defer mu.Unlock()
		lock := func() { synctest.Wait(); mu.Lock() }
		_ = c.Set(ctx, "k", "v") // the local tier is filled while messages cannot arrive
		time.Sleep(time.Second)  // retries at 100ms, 200ms, 400ms: the third succeeds
		lock()
		if store.subscribes != 4 || flushes != 1 {
			t.Fatalf("after 1s: %d subscribe calls, %d flushes, want 4 and 1", store.subscribes, flushes)
		}
		if want := "subscribe subscribe subscribe"; strings.Join(ops, " ") != want {
			t.Errorf("reported ops = %v, want %s", ops, want)
		}
		if c.local.Len() != 0 {
			t.Errorf("local entries after the subscription = %d, want 0", c.local.Len())
		}
		mu.Unlock()
		_ = c.Set(ctx, "k", "v")
		store.endSubscriptions() // as a lost connection would
		time.Sleep(minResubscribe)
		lock()
		if store.subscribes != 5 || flushes != 2 || c.Stats().Resets != 2 {
			t.Errorf("after the subscription ended: %d subscribe calls, %d flushes, %d resets, want 5, 2, 2",
				store.subscribes, flushes, c.Stats().Resets)
		}
	})
}

func TestResetMessage(t *testing.T) {
	c := newCache(t)
	_ = c.Set(context.Background(), "k", "v")
	c.apply(Message{Reset: true})
	if c.local.Len() != 0 || c.Stats().Resets != 1 {
		t.Errorf("after a Reset message: %d local entries, %d resets, want 0 and 1", c.local.Len(), c.Stats().Resets)
	}
	var reported error
	c.cfg.onRemoteError = func(op string, err error) { reported = err }
	c.apply(Message{Payload: "short"})
	if !errors.Is(reported, errBadInvalidation) {
		t.Errorf("a malformed message reported %v, want errBadInvalidation", reported)
	}
}

func TestHookPanicIsReturnedByClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newMemoryStore(t, 10)
		a, _ := New[string](WithStore(store))
		b, _ := New[string](WithStore(store), WithOnInvalidate(func([]string) { panic("hook bug") }))
		_ = a.Set(ctx, "k", "v")
		_ = a.Set(ctx, "k", "v")
		synctest.Wait()
		_ = a.Close()
		var pe *PanicError
		if err := b.Close(); !errors.As(err, &pe) || pe.Value != "hook bug" {
			t.Errorf("Close() after a hook panicked = %v, want a *PanicError", err)
		}
		if b.Stats().Invalidations != 2 {
			t.Errorf("Invalidations = %d, want 2 (the goroutine survived the first panic)", b.Stats().Invalidations)
		}
	})
}

func TestInvalidationMessage(t *testing.T) {
	tests := [][]string{
		{"k"},
		{"a", "", "ns:" + strings.Repeat("x", 300), "with\x00nul"},
		nil,
	}
	for _, keys := range tests {
		id, got, err := decodeInvalidation(encodeInvalidation("0123456789abcdef", keys))
		if err != nil || id != "0123456789abcdef" || fmt.Sprint(got) != fmt.Sprint(keys) {
			t.Errorf("decode(encode(%q)) = %q, %q, %v, want the same keys", keys, id, got, err)
		}
	}
	for _, bad := range []string{"", "short", "0123456789abcdef\x05ab", "0123456789abcdef\xff"} {
		if _, _, err := decodeInvalidation(bad); !errors.Is(err, errBadInvalidation) {
			t.Errorf("decodeInvalidation(%q) = %v, want errBadInvalidation", bad, err)
		}
	}
}

func FuzzDecodeInvalidation(f *testing.F) {
	f.Add(encodeInvalidation("0123456789abcdef", []string{"a", "bc"}))
	f.Add("0123456789abcdef\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01")
	f.Fuzz(func(t *testing.T, msg string) {
		id, keys, err := decodeInvalidation(msg)
		if err != nil {
			return
		}
		if again := encodeInvalidation(id, keys); again != msg {
			// Non-minimal varints decode but encode differently: compare
			// the decoded forms instead.
			id2, keys2, err := decodeInvalidation(again)
			if err != nil || id2 != id || fmt.Sprint(keys2) != fmt.Sprint(keys) {
				t.Fatalf("round trip of %q: %q %q %v", msg, id2, keys2, err)
			}
		}
	})
}

func TestGetMany(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newMemoryStore(t, 100)
		c := newCache(t, WithStore(store), WithNegativeTTL(time.Minute), WithJitter(0),
			WithLocalTTL(time.Minute), WithRemoteTTL(time.Hour))
		_ = c.Set(ctx, "local", "L")
		other := newCache(t, WithStore(store))
		_ = other.Set(ctx, "remote", "R")
		// other's Set tells c to drop "remote"; let that message arrive
		// now, or it can drop the copy that GetMany is about to keep.
		synctest.Wait()
		_ = store.Set(ctx, "corrupt", []byte("junk"), 0)
		_, _ = c.GetOrLoad(ctx, "ghost", func(context.Context) (string, error) { return "", ErrNotFound })
		got, err := c.GetMany(ctx, []string{"local", "remote", "missing", "corrupt", "ghost", "local"})
		if err != nil || fmt.Sprint(got) != "map[local:L remote:R]" {
			t.Fatalf("GetMany() = %v, %v, want map[local:L remote:R], nil", got, err)
		}
		st := c.Stats()
		if st.LocalHits != 2 || st.RemoteHits != 1 || st.Misses != 3 || st.NegativeHits != 1 || st.DecodeErrors != 1 {
			t.Errorf("stats = %+v, want 2 local hits (local, ghost), 1 remote hit, 3 misses, 1 negative hit, 1 decode error", st)
		}
		if _, ok := c.local.Get("remote"); !ok {
			t.Error("GetMany did not keep the Store's value in the local tier")
		}
		time.Sleep(time.Minute) // local copies stale: both come from the Store again
		if got, _ := c.GetMany(ctx, []string{"local", "remote"}); len(got) != 2 {
			t.Errorf("GetMany past the local ttl = %v, want both values", got)
		}
		if _, err := c.GetMany(ctx, []string{"a", ""}); !errors.Is(err, ErrEmptyKey) {
			t.Errorf("GetMany with an empty key = %v, want ErrEmptyKey", err)
		}
		if got, err := c.GetMany(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("GetMany(nil) = %v, %v, want empty, nil", got, err)
		}
	})
}

func TestCacheLocalHitDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	c := newCache(t, WithStaleGrace(time.Minute))
	_ = c.Set(ctx, "key", "v")
	load := func(context.Context) (string, error) { return "loaded", nil }
	if n := testing.AllocsPerRun(100, func() { _, _ = c.Get(ctx, "key") }); n != 0 {
		t.Errorf("Get local hit allocations = %v, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = c.GetOrLoad(ctx, "key", load) }); n != 0 {
		t.Errorf("GetOrLoad local hit allocations = %v, want 0", n)
	}
	if st := c.Stats(); st.LocalHits != 202 || st.RemoteHits+st.Misses != 0 {
		t.Errorf("stats = %+v, want 202 local hits (AllocsPerRun's warm-up included), nothing else", st)
	}
}
