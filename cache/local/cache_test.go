package local

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// newTestCache returns a Cache built with opts, failing the test on error.
func newTestCache[K comparable, V any](t testing.TB, opts ...Option) *Cache[K, V] {
	t.Helper()
	c, err := New[K, V](opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	})
	return c
}

// hookLog records the eviction hook's calls.
type hookLog[K comparable, V any] struct {
	mu    sync.Mutex
	calls []removed[K, V]
}

func (h *hookLog[K, V]) hook(k K, v V, r Reason) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, removed[K, V]{k, v, r})
}

func (h *hookLog[K, V]) take() []removed[K, V] {
	h.mu.Lock()
	defer h.mu.Unlock()
	calls := h.calls
	h.calls = nil
	return calls
}

func (h *hookLog[K, V]) count(r Reason) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := int64(0)
	for _, c := range h.calls {
		if c.reason == r {
			n++
		}
	}
	return n
}

func TestNewErrors(t *testing.T) {
	weigh := func(string, int) int64 { return 1 }
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"nil option", []Option{WithMaxEntries(5), nil}, "local: New: nil Option"},
		{"zero entries", []Option{WithMaxEntries(0)}, "local: WithMaxEntries: bound must be >= 1, got 0"},
		{"negative cost", []Option{WithMaxCost(-5, weigh)}, "local: WithMaxCost: bound must be >= 1, got -5"},
		{"both bounds", []Option{WithMaxEntries(5), WithMaxCost(5, weigh)}, "local: WithMaxCost: cannot be combined with WithMaxEntries"},
		{"both bounds reversed", []Option{WithMaxCost(5, weigh), WithMaxEntries(5)}, "local: WithMaxEntries: cannot be combined with WithMaxCost"},
		{"negative ttl", []Option{WithTTL(-time.Second)}, "local: WithTTL: ttl must be >= 0, got -1s"},
		{"jitter above 1", []Option{WithTTLJitter(1.5)}, "local: WithTTLJitter: jitter must be in [0, 1], got 1.5"},
		{"negative jitter", []Option{WithTTLJitter(-0.1)}, "local: WithTTLJitter: jitter must be in [0, 1], got -0.1"},
		{"NaN jitter", []Option{WithTTLJitter(math.NaN())}, "local: WithTTLJitter: jitter must be in [0, 1], got NaN"},
		{"shards not a power of two", []Option{WithShards(3)}, "local: WithShards: shards must be a power of two in [1, 4096], got 3"},
		{"zero shards", []Option{WithShards(0)}, "local: WithShards: shards must be a power of two in [1, 4096], got 0"},
		{"too many shards", []Option{WithShards(8192)}, "local: WithShards: shards must be a power of two in [1, 4096], got 8192"},
		{"nil weigher", []Option{WithMaxCost[string, int](5, nil)}, "local: WithMaxCost: weigher must not be nil"},
		{"nil hook", []Option{WithOnEvict[string, int](nil)}, "local: WithOnEvict: function must not be nil"},
		{
			"weigher of other types",
			[]Option{WithMaxCost(5, func(int, string) int64 { return 1 })},
			"local: WithMaxCost: function of type func(int, string) int64 does not fit Cache[string, int], which needs func(string, int) int64",
		},
		{
			"hook of other types",
			[]Option{WithOnEvict(func(string, string, Reason) {})},
			"local: WithOnEvict: function of type func(string, string, local.Reason) does not fit Cache[string, int], which needs func(string, int, local.Reason)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New[string, int](tt.opts...)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("New() = %v, %v; want error %q", c, err, tt.want)
			}
		})
	}
}

func TestShardCount(t *testing.T) {
	tests := []struct {
		opts []Option
		want int
	}{
		{[]Option{WithMaxEntries(100), WithShards(64)}, 64},
		{[]Option{WithMaxEntries(1), WithShards(64)}, 64},
		{[]Option{WithMaxEntries(1000), WithShards(1)}, 1},
		{[]Option{WithMaxEntries(10)}, defaultShards()},
	}
	for _, tt := range tests {
		c := newTestCache[int, int](t, tt.opts...)
		if got := len(c.shards); got != tt.want {
			t.Errorf("shards with %d options = %d, want %d", len(tt.opts), got, tt.want)
		}
	}
}

// defaultShards returns the default shard count.
func defaultShards() int {
	var cfg config
	return cfg.shardCount()
}

func TestBasic(t *testing.T) {
	c := newTestCache[string, int](t)
	if v, ok := c.Get("a"); ok {
		t.Fatalf("Get(a) on empty cache = %v, true; want false", v)
	}
	for i, k := range []string{"a", "b", "c"} {
		if err := c.Set(k, i); err != nil {
			t.Fatalf("Set(%s) = %v", k, err)
		}
	}
	if err := c.Set("a", 10); err != nil {
		t.Fatalf("Set(a) again = %v", err)
	}
	tests := []struct {
		key  string
		want int
		ok   bool
	}{{"a", 10, true}, {"b", 1, true}, {"c", 2, true}, {"d", 0, false}}
	for _, tt := range tests {
		if v, ok := c.Get(tt.key); v != tt.want || ok != tt.ok {
			t.Errorf("Get(%s) = %v, %v; want %v, %v", tt.key, v, ok, tt.want, tt.ok)
		}
	}
	if n := c.Len(); n != 3 {
		t.Errorf("Len() = %d, want 3", n)
	}
	if !c.Delete("b") {
		t.Errorf("Delete(b) = false, want true")
	}
	if c.Delete("b") {
		t.Errorf("Delete(b) twice = true, want false")
	}
	if got := maps.Collect(c.All()); !maps.Equal(got, map[string]int{"a": 10, "c": 2}) {
		t.Errorf("All() = %v, want map[a:10 c:2]", got)
	}
	c.Clear()
	if n := c.Len(); n != 0 {
		t.Errorf("Len() after Clear = %d, want 0", n)
	}
	if v, ok := c.Get("a"); ok {
		t.Errorf("Get(a) after Clear = %v, true; want false", v)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close() = %v, want nil", err)
	}
}

func TestReasonString(t *testing.T) {
	tests := []struct {
		r    Reason
		want string
	}{
		{ReasonEvicted, "evicted"},
		{ReasonExpired, "expired"},
		{ReasonDeleted, "deleted"},
		{ReasonReplaced, "replaced"},
		{Reason(0), "Reason(0)"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("Reason(%d).String() = %q, want %q", int(tt.r), got, tt.want)
		}
	}
}

func TestAllStopsEarly(t *testing.T) {
	c := newTestCache[int, int](t, WithShards(4))
	for i := range 100 {
		_ = c.Set(i, i)
	}
	n := 0
	for k, v := range c.All() {
		if k != v {
			t.Errorf("All() yielded %d, %d; want equal key and value", k, v)
		}
		// The loop body may use the cache.
		c.Delete(k)
		if n++; n == 10 {
			break
		}
	}
	if n != 10 || c.Len() != 90 {
		t.Errorf("after breaking out of All: iterations %d, Len() %d; want 10, 90", n, c.Len())
	}
}

func TestCost(t *testing.T) {
	weigher := func(_ string, v []byte) int64 { return int64(len(v)) - 1 }
	var hooks hookLog[string, []byte]
	c := newTestCache[string, []byte](t, WithMaxCost(1000, weigher), WithShards(4), WithOnEvict(hooks.hook))

	// A cost of 0 counts as 1; a cost up to the whole bound is stored.
	for _, k := range []string{"zero", "big"} {
		v := make([]byte, 1)
		if k == "big" {
			v = make([]byte, 1001)
		}
		if err := c.Set(k, v); err != nil {
			t.Fatalf("Set(%s) = %v, want nil", k, err)
		}
		if _, ok := c.Get(k); !ok {
			t.Errorf("Get(%s) after Set = false, want true", k)
		}
	}
	if st := c.Stats(); st.Cost != 1000 {
		t.Errorf("Stats().Cost = %d, want 1000 (the zero-cost entry evicted for the big one)", st.Cost)
	}

	tests := []struct {
		name string
		size int
		cost int64
	}{
		{"negative", 0, -1},
		{"above bound", 1002, 1001},
	}
	for _, tt := range tests {
		err := c.Set("big", make([]byte, tt.size))
		var ce *CostError
		if !errors.Is(err, ErrCost) || !errors.As(err, &ce) || ce.Cost != tt.cost || ce.Max != 1000 {
			t.Errorf("Set with cost %d = %v, want a *CostError{%d, 1000}", tt.cost, err, tt.cost)
			continue
		}
		if !strings.Contains(err.Error(), "not stored") {
			t.Errorf("Set with cost %d = %q, want it to say the entry was not stored", tt.cost, err)
		}
		// The value that the refused Set meant to replace is gone.
		if _, ok := c.Get("big"); ok {
			t.Errorf("Get(big) after refused Set = true, want false")
		}
	}
	calls := hooks.take()
	var reasons []Reason
	for _, call := range calls {
		reasons = append(reasons, call.reason)
	}
	if want := []Reason{ReasonEvicted, ReasonReplaced}; !slices.Equal(reasons, want) {
		t.Errorf("hook reasons = %v, want %v", reasons, want)
	}
	if st := c.Stats(); st.Rejections != 2 || st.Cost != 0 || st.Len != 0 {
		t.Errorf("Stats() = %+v, want 2 rejections, nothing held", st)
	}

	// Many small entries stay within the bound.
	for i := range 2000 {
		if err := c.Set(fmt.Sprint(i), make([]byte, 1+i%20)); err != nil {
			t.Fatalf("Set(%d) = %v", i, err)
		}
	}
	if st := c.Stats(); st.Cost > 1000 || st.Cost < 900 {
		t.Errorf("Stats().Cost after many Sets = %d, want in [900, 1000]", st.Cost)
	}
}

func TestCostUpdate(t *testing.T) {
	weigher := func(_ int, v int64) int64 { return v }
	c := newTestCache[int, int64](t, WithMaxCost(100, weigher), WithShards(1))
	for i := range 10 {
		_ = c.Set(i, 10)
	}
	// Growing an entry evicts others, never the entry itself.
	if err := c.Set(3, 95); err != nil {
		t.Fatalf("Set(3, 95) = %v", err)
	}
	if v, ok := c.Get(3); !ok || v != 95 {
		t.Errorf("Get(3) = %v, %v; want 95, true", v, ok)
	}
	if st := c.Stats(); st.Cost > 100 || st.Len != 1 {
		t.Errorf("Stats() = %+v, want one entry of cost 95", st)
	}
}

func TestTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var hooks hookLog[string, int]
		c := newTestCache[string, int](t, WithTTL(time.Minute), WithOnEvict(hooks.hook))
		_ = c.Set("default", 1)
		_ = c.SetWithTTL("short", 2, time.Second)
		_ = c.SetWithTTL("forever", 3, 0)
		if err := c.SetWithTTL("bad", 4, -time.Second); err == nil || err.Error() != "local: SetWithTTL: ttl must be >= 0, got -1s" {
			t.Errorf("SetWithTTL(-1s) = %v, want an error", err)
		}

		check := func(want map[string]int) {
			t.Helper()
			for _, k := range []string{"default", "short", "forever", "bad"} {
				v, ok := c.Get(k)
				wv, wok := want[k]
				if v != wv || ok != wok {
					t.Errorf("at %v: Get(%s) = %v, %v; want %v, %v", time.Since(c.epoch), k, v, ok, wv, wok)
				}
			}
			if got := maps.Collect(c.All()); !maps.Equal(got, want) {
				t.Errorf("at %v: All() = %v, want %v", time.Since(c.epoch), got, want)
			}
		}
		check(map[string]int{"default": 1, "short": 2, "forever": 3})
		time.Sleep(time.Second - 1)
		check(map[string]int{"default": 1, "short": 2, "forever": 3})
		time.Sleep(time.Nanosecond)
		check(map[string]int{"default": 1, "forever": 3})
		time.Sleep(time.Minute)
		check(map[string]int{"forever": 3})

		// Setting an entry again renews its time to live.
		_ = c.Set("default", 5)
		time.Sleep(59 * time.Second)
		_ = c.Set("default", 6)
		time.Sleep(59 * time.Second)
		check(map[string]int{"default": 6, "forever": 3})

		if got := hooks.count(ReasonExpired); got != 2 {
			t.Errorf("expired hook calls = %d, want 2", got)
		}
		if st := c.Stats(); st.Expirations != 2 || st.Len != 2 {
			t.Errorf("Stats() = %+v, want 2 expirations and 2 entries", st)
		}
	})
}

func TestTTLExpiredDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTestCache[int, int](t, WithTTL(time.Second))
		_ = c.Set(1, 1)
		time.Sleep(time.Second)
		if c.Delete(1) {
			t.Errorf("Delete of an expired entry = true, want false")
		}
		if st := c.Stats(); st.Expirations != 1 || st.Deletes != 0 || st.Len != 0 {
			t.Errorf("Stats() = %+v, want one expiration", st)
		}
	})
}

func TestTTLJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 1000
		c := newTestCache[int, int](t, WithTTL(100*time.Second), WithTTLJitter(0.5))
		for i := range n {
			_ = c.Set(i, i)
		}
		alive := func() int {
			live := 0
			for i := range n {
				if _, ok := c.Get(i); ok {
					live++
				}
			}
			return live
		}
		time.Sleep(50*time.Second - 1)
		if got := alive(); got != n {
			t.Errorf("live entries just before TTL×(1-jitter) = %d, want %d", got, n)
		}
		time.Sleep(25 * time.Second)
		if got := alive(); got < n/4 || got > 3*n/4 {
			t.Errorf("live entries halfway through the jitter range = %d, want about %d", got, n/2)
		}
		time.Sleep(25 * time.Second)
		if got := alive(); got != 0 {
			t.Errorf("live entries at the TTL = %d, want 0", got)
		}
	})
}

func TestSweep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTestCache[int, int](t, WithMaxEntries(1000), WithShards(1))
		for i := range 100 {
			_ = c.SetWithTTL(i, i, time.Second)
		}
		for i := range 100 {
			_ = c.Set(1000+i, i)
		}
		time.Sleep(time.Second)
		// Nobody reads the expired entries: Sets of other keys reclaim them.
		for i := range 200 {
			_ = c.Set(2000+i, i)
		}
		if st := c.Stats(); st.Expirations != 100 || st.Len != 300 {
			t.Errorf("Stats() = %+v, want 100 expirations and 300 entries", st)
		}
	})
}

// TestHookOnce checks, under concurrent use, that every value stored
// leaves the cache through exactly one hook call, and that the counters add up.
func TestHookOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		seen := make(map[int]Reason)
		var dup []int
		c := newTestCache[int, int](t, WithMaxEntries(64), WithShards(4), WithOnEvict(func(_ int, v int, r Reason) {
			mu.Lock()
			defer mu.Unlock()
			if _, ok := seen[v]; ok {
				dup = append(dup, v)
			}
			seen[v] = r
		}))
		const workers, ops = 4, 2000
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(w), 1))
				for i := range ops {
					k, v := r.IntN(200), w*ops+i
					switch op := r.IntN(10); {
					case op < 4:
						_ = c.Set(k, v)
					case op < 6:
						_ = c.SetWithTTL(k, v, time.Duration(1+r.IntN(5))*time.Second)
					case op < 7:
						c.Delete(k)
					default:
						c.Get(k)
					}
					if i%100 == 0 {
						time.Sleep(time.Second)
					}
				}
			})
		}
		wg.Wait()
		st := c.Stats()
		if got := int64(st.Len); got != st.Sets-st.Replacements-st.Evictions-st.Expirations-st.Deletes {
			t.Errorf("Stats() = %+v: Len != Sets - Replacements - Evictions - Expirations - Deletes", st)
		}
		if st.Hits+st.Misses+st.Sets+st.Deletes == 0 {
			t.Errorf("Stats() = %+v, want activity", st)
		}
		counts := map[Reason]int64{}
		for _, r := range seen {
			counts[r]++
		}
		want := map[Reason]int64{ReasonReplaced: st.Replacements, ReasonEvicted: st.Evictions, ReasonExpired: st.Expirations, ReasonDeleted: st.Deletes}
		if !maps.Equal(counts, want) {
			t.Errorf("hook calls by reason = %v, want %v as in Stats", counts, want)
		}
		c.Clear()
		if len(dup) > 0 {
			t.Errorf("hook called more than once for values %v", dup)
		}
		if st := c.Stats(); int64(len(seen)) != st.Sets {
			t.Errorf("values reported by the hook after Clear = %d, want every value stored (%d)", len(seen), st.Sets)
		}
	})
}

func TestConcurrentBound(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
	}{
		{"entries", []Option{WithMaxEntries(500), WithShards(8)}},
		{"cost", []Option{WithMaxCost(5000, func(_ int, v int) int64 { return int64(v) }), WithShards(8)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCache[int, int](t, tt.opts...)
			done := make(chan struct{})
			var checker sync.WaitGroup
			if tt.name == "entries" {
				checker.Go(func() {
					for {
						select {
						case <-done:
							return
						default:
						}
						if n := c.Len(); n > 500 {
							t.Errorf("Len() during concurrent Sets = %d, want <= 500", n)
							return
						}
					}
				})
			}
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), 2))
					for range 5000 {
						v := 1 + r.IntN(20)
						if r.IntN(100) == 0 {
							v = 1000
						}
						if err := c.Set(r.IntN(5000), v); err != nil {
							t.Errorf("Set = %v", err)
						}
					}
				})
			}
			wg.Wait()
			close(done)
			checker.Wait()
			st := c.Stats()
			if tt.name == "entries" && st.Len > 500 {
				t.Errorf("Len = %d, want <= 500", st.Len)
			}
			if tt.name == "cost" && st.Cost > 5000 {
				t.Errorf("Cost = %d, want <= 5000", st.Cost)
			}
		})
	}
}

func TestHookReentrant(t *testing.T) {
	var c *Cache[int, int]
	var evicted []int
	c = newTestCache[int, int](t, WithMaxEntries(2), WithShards(1), WithOnEvict(func(k, _ int, r Reason) {
		// The hook runs with no lock held, so it can use the cache.
		evicted = append(evicted, k)
		if r == ReasonEvicted {
			c.Delete(k)
			c.Get(k)
		}
	}))
	for i := range 5 {
		_ = c.Set(i, i)
	}
	if len(evicted) != 3 {
		t.Errorf("evicted %v, want 3 keys", evicted)
	}
}

func TestGetHitDoesNotAllocate(t *testing.T) {
	c := newTestCache[string, int](t)
	_ = c.Set("key", 1)
	if n := testing.AllocsPerRun(100, func() { c.Get("key") }); n != 0 {
		t.Errorf("Get hit allocations = %v, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = c.Set("key", 2) }); n != 0 {
		t.Errorf("Set of an existing key allocations = %v, want 0", n)
	}
}

// TestCostUpdateConcurrent changes an entry's cost while other goroutines
// replace it: the race detector fails it if a cost is written outside the
// shard's lock that a replacing Set reads it under.
func TestCostUpdateConcurrent(t *testing.T) {
	weigher := func(_ int, v int64) int64 { return v }
	c := newTestCache[int, int64](t, WithMaxCost(100, weigher), WithShards(1))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				_ = c.Set(0, int64(1+(i+g)%3))
			}
		})
	}
	wg.Wait()
	if st := c.Stats(); st.Len != 1 || st.Cost > 3 {
		t.Errorf("Stats() = %+v, want one entry of cost at most 3", st)
	}
}
