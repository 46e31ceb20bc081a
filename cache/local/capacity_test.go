package local

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"unsafe"
)

// TestCapacityExact checks that a Cache bounded at n entries holds n: n
// distinct keys set once are all present, and n+k keys leave exactly n,
// whatever the shard count and however the keys hash (a new hash seed per
// cache).
func TestCapacityExact(t *testing.T) {
	for _, n := range []int{1, 7, 100, 1000, 10_000} {
		for _, shards := range []int{1, 8, 64} {
			t.Run(fmt.Sprintf("n=%d/shards=%d", n, shards), func(t *testing.T) {
				c := newTestCache[int, int](t, WithMaxEntries(n), WithShards(shards))
				for i := range n {
					_ = c.Set(i, i)
				}
				for i := range n {
					if v, ok := c.Get(i); !ok || v != i {
						t.Fatalf("Get(%d) after setting %d keys into %d entries = %d, %v; want %d, true", i, n, n, v, ok, i)
					}
				}
				for i := n; i < 2*n+3; i++ {
					_ = c.Set(i, i)
					if got := c.Len(); got != n {
						t.Fatalf("Len() after %d distinct keys = %d, want %d", i+1, got, n)
					}
					if _, ok := c.Get(i); !ok {
						t.Fatalf("Get(%d) right after Set = false, want true", i)
					}
				}
				held := 0
				for i := range 2*n + 3 {
					if _, ok := c.Get(i); ok {
						held++
					}
				}
				if held != n {
					t.Errorf("keys found = %d, want %d", held, n)
				}
			})
		}
	}
}

// TestCapacityWorkingSet checks that a working set of 0.95 n keys read in a
// cycle, cache-aside, stays resident after the first pass: on an empty
// cache, every read after the first pass hits; on a cache already full of
// keys read as often, the working set wins its place within a few passes,
// as the admission filter sees its keys come back, and then stays. How many
// passes that takes depends on the hash seed (through collisions in the
// sketch and when its counters are halved): over 3,000 seeds the last
// miss fell in pass 2 (counting from 0) or earlier in 90% of them and never
// after pass 6, and no pass after the first clean one missed, so the test
// allows misses before pass 8; the bound of 3 it had before failed about
// one run in ten (go test -count=300).
func TestCapacityWorkingSet(t *testing.T) {
	const n, ws = 1000, 950
	for _, prefilled := range []bool{false, true} {
		t.Run(fmt.Sprint("prefilled=", prefilled), func(t *testing.T) {
			c := newTestCache[int, int](t, WithMaxEntries(n), WithShards(8))
			if prefilled {
				for i := range n {
					_ = c.Set(-1-i, i)
				}
			}
			for pass := range 12 {
				misses := 0
				for k := range ws {
					if _, ok := c.Get(k); !ok {
						misses++
						_ = c.Set(k, k)
					}
				}
				settled := 1
				if prefilled {
					settled = 8
				}
				if pass >= settled && misses != 0 {
					t.Fatalf("pass %d over %d keys in %d entries: %d misses, want 0", pass, ws, n, misses)
				}
			}
		})
	}
}

// TestCapacityCost checks the cost bound: the total cost never exceeds it,
// and entries whose costs add up to it exactly are all held.
func TestCapacityCost(t *testing.T) {
	weigh := func(_ int, v int) int64 { return int64(v) }
	for _, shards := range []int{1, 16} {
		c := newTestCache[int, int](t, WithMaxCost(1000, weigh), WithShards(shards))
		for i := range 100 {
			_ = c.Set(i, 10)
		}
		for i := range 100 {
			if _, ok := c.Get(i); !ok {
				t.Fatalf("shards=%d: Get(%d) = false with 100 entries of cost 10 in a bound of 1000", shards, i)
			}
		}
		r := rand.New(rand.NewPCG(1, 1))
		for i := range 5000 {
			_ = c.Set(100+r.IntN(2000), 1+r.IntN(50))
			if st := c.Stats(); st.Cost > 1000 {
				t.Fatalf("shards=%d: cost after %d Sets = %d, want <= 1000", shards, i+1, st.Cost)
			}
		}
	}
}

// TestCapacityConcurrent checks that concurrent Sets never take the cache
// over its bound, as seen by Len while they run, and leave it exactly full.
func TestCapacityConcurrent(t *testing.T) {
	const n, workers, sets = 500, 4, 5000
	c := newTestCache[int, int](t, WithMaxEntries(n), WithShards(16))
	done := make(chan struct{})
	var over sync.WaitGroup
	maxSeen := 0
	over.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			maxSeen = max(maxSeen, c.Len())
		}
	})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 3))
			for range sets {
				k := r.IntN(4 * n)
				_ = c.Set(k, k)
				c.Get(r.IntN(4 * n))
			}
		})
	}
	wg.Wait()
	close(done)
	over.Wait()
	if maxSeen > n {
		t.Errorf("Len() during concurrent Sets reached %d, want <= %d", maxSeen, n)
	}
	if got := c.Len(); got != n {
		t.Errorf("Len() after concurrent Sets of %d keys = %d, want %d", 4*n, got, n)
	}
	held := 0
	for _, s := range c.shards {
		held += s.table.n
	}
	if held != n {
		t.Errorf("entries in the shards' tables = %d, want %d", held, n)
	}
}

// TestHitRatioIndependentOfShards replays the same traces at GOMAXPROCS 1,
// 2, 8 and 64, with the default shard count that follows it, and checks that
// the hit ratios differ by at most 0.01. The caches share one hash seed, so
// that the sketch's collisions are the same: with it the policy's decisions,
// and so the ratios, are in fact identical. (Across hash seeds the ratio of
// a loop varies by about 0.01 through those collisions, on one shard too.)
func TestHitRatioIndependentOfShards(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	z := rand.NewZipf(r, 1.01, 1, 99_999)
	zipf := make([]int, 100_000)
	for i := range zipf {
		zipf[i] = int(z.Uint64())
	}
	var loop []int
	for range 50 {
		for k := range 1_100 {
			loop = append(loop, k)
		}
	}
	seed := maphash.MakeSeed()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tr := range []struct {
		name string
		keys []int
	}{{"zipf", zipf}, {"loop", loop}} {
		var ratios []float64
		for _, procs := range []int{1, 2, 8, 64} {
			runtime.GOMAXPROCS(procs)
			c := newTestCache[int, int](t, WithMaxEntries(1_000))
			c.seed = seed
			if len(c.shards) != defaultShards() {
				t.Fatalf("shards = %d, want the default %d", len(c.shards), defaultShards())
			}
			for _, k := range tr.keys {
				if _, ok := c.Get(k); !ok {
					_ = c.Set(k, k)
				}
			}
			ratios = append(ratios, c.Stats().HitRatio())
		}
		lo, hi := ratios[0], ratios[0]
		for _, x := range ratios {
			lo, hi = min(lo, x), max(hi, x)
		}
		if hi-lo > 0.01 {
			t.Errorf("%s: hit ratios at GOMAXPROCS 1, 2, 8, 64 = %.4f, spread %.4f, want <= 0.01", tr.name, ratios, hi-lo)
		}
	}
}

// TestShardLayout checks what the shard's comment promises: a shard is two
// cache lines, what readers use in the first, each shard and each stripe
// starts a cache line, so that a hit writes only its own stripe's line.
func TestShardLayout(t *testing.T) {
	var s shard[string, int]
	if size := unsafe.Sizeof(s); size != 128 {
		t.Errorf("shard size = %d, want 128", size)
	}
	if end := unsafe.Offsetof(s.table) + unsafe.Sizeof(s.table); end > 64 {
		t.Errorf("table ends at byte %d, want within the first 64", end)
	}
	if size := unsafe.Sizeof(stripe{}); size != 64 {
		t.Errorf("stripe size = %d, want 64", size)
	}
	for n := 1; n <= MaxShards; n *= 4 {
		for range 4 {
			c := newTestCache[string, int](t, WithShards(n))
			for i, s := range c.shards {
				if addr := uintptr(unsafe.Pointer(s)); addr%64 != 0 {
					t.Fatalf("shard %d of %d starts at %#x, want a multiple of 64", i, n, addr)
				}
				if addr := uintptr(unsafe.Pointer(&s.stripes[0])); addr%64 != 0 {
					t.Fatalf("stripes of shard %d of %d start at %#x, want a multiple of 64", i, n, addr)
				}
			}
		}
	}
}
