// Package localcache_test compares holdfast's local.Cache (cache/local) with
// maypok86/otter v2, dgraph-io/ristretto v2 and hashicorp/golang-lru v2
// (a plain LRU behind one mutex).
//
// Keys are strings, values ints, every entry costs 1. Every side goes
// through the same small interface, so each pays the same indirect call.
//
//   - GetHit and Set work on 1,024 keys in a cache of 10,000 entries: every
//     Get hits, every Set replaces a value.
//   - Zipf replays a trace of 2^20 accesses to 100,000 keys drawn from a
//     Zipf distribution (math/rand/v2, s=1.01, fixed seed), 90% reads and
//     10% writes, with a miss filled by a Set (cache-aside), at two cache
//     sizes (1% and 10% of the keys). ns/op is one access from GOMAXPROCS
//     goroutines; hit-ratio is hits per read from a single-goroutine
//     replay of the whole trace on a fresh cache, computed once per
//     process. ristretto applies sets asynchronously, so its replay waits
//     for each set to be applied: its hit ratio is that of its policy, an
//     upper bound of what concurrent callers see.
//   - HitRatio (hitratio_test.go) replays read-only traces, cache-aside,
//     through holdfast, otter and LRU, beside Bélády's optimum: Zipf, the
//     ARC paper's OLTP trace, loops, Zipf with scans, a shifting working
//     set and bursts of re-reference.
package localcache_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dgraph-io/ristretto/v2"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/maypok86/otter/v2"

	"github.com/holdfast-go/holdfast/cache/local"
)

const (
	hotKeys  = 1024   // keys of GetHit and Set
	hotSize  = 10_000 // cache size of GetHit and Set
	keySpace = 100_000
	traceLen = 1 << 20
	zipfS    = 1.01
)

var zipfSizes = []int{1_000, 10_000}

// cache is what the workloads need of a local cache.
type cache interface {
	Get(key string) (int, bool)
	Set(key string, v int)
}

// settler is a cache whose sets become visible later; Settle waits until
// every set made so far is applied.
type settler interface{ Settle() }

// impl builds one library's cache of a given size.
type impl struct {
	name string
	new  func(tb testing.TB, size int) cache
}

var impls = []impl{
	{"holdfast", func(tb testing.TB, size int) cache {
		c, err := local.New[string, int](local.WithMaxEntries(size))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = c.Close() })
		return localCache{c}
	}},
	{"otter", func(tb testing.TB, size int) cache {
		c, err := otter.New(&otter.Options[string, int]{MaximumSize: size})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { c.StopAllGoroutines() })
		return otterCache{c}
	}},
	{"ristretto", func(tb testing.TB, size int) cache {
		c, err := ristretto.NewCache(&ristretto.Config[string, int]{
			NumCounters:        10 * int64(size), // the documented 10x the entries
			MaxCost:            int64(size),
			BufferItems:        64, // the documented default
			IgnoreInternalCost: true,
		})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(c.Close)
		return ristrettoCache{c}
	}},
	{"lru", func(tb testing.TB, size int) cache {
		c, err := lru.New[string, int](size)
		if err != nil {
			tb.Fatal(err)
		}
		return lruCache{c}
	}},
}

type localCache struct{ c *local.Cache[string, int] }

func (l localCache) Get(k string) (int, bool) { return l.c.Get(k) }
func (l localCache) Set(k string, v int)      { _ = l.c.Set(k, v) } // errors only for a bad cost

type otterCache struct{ c *otter.Cache[string, int] }

func (o otterCache) Get(k string) (int, bool) { return o.c.GetIfPresent(k) }
func (o otterCache) Set(k string, v int)      { o.c.Set(k, v) }

type ristrettoCache struct{ c *ristretto.Cache[string, int] }

func (r ristrettoCache) Get(k string) (int, bool) { return r.c.Get(k) }
func (r ristrettoCache) Set(k string, v int)      { r.c.Set(k, v, 1) }
func (r ristrettoCache) Settle()                  { r.c.Wait() }

type lruCache struct{ c *lru.Cache[string, int] }

func (l lruCache) Get(k string) (int, bool) { return l.c.Get(k) }
func (l lruCache) Set(k string, v int)      { l.c.Add(k, v) }

// keys are the key strings, "key:0" to "key:99999", built once.
var keys = sync.OnceValue(func() []string {
	ks := make([]string, keySpace)
	for i := range ks {
		ks[i] = "key:" + strconv.Itoa(i)
	}
	return ks
})

// access is one step of a trace: a read or a write of keys()[key].
type access struct {
	key   uint32
	write bool
}

// zipfTrace is the Zipf trace, built once per process with a fixed seed.
var zipfTrace = sync.OnceValue(func() []access {
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, zipfS, 1, keySpace-1)
	t := make([]access, traceLen)
	for i := range t {
		t[i] = access{key: uint32(z.Uint64()), write: r.IntN(10) == 0}
	}
	return t
})

// step runs one access on c: a write sets, a read gets and fills a miss.
// It reports whether the access was a read that hit.
func step(c cache, a access) (read, hit bool) {
	k := keys()[a.key]
	if a.write {
		c.Set(k, int(a.key))
		return false, false
	}
	if _, ok := c.Get(k); ok {
		return true, true
	}
	c.Set(k, int(a.key))
	return true, false
}

// replay runs trace on c from one goroutine and returns hits per read.
// It waits for a settler's sets to apply after each one.
func replay(c cache, trace []access) float64 {
	settle := func() {}
	if s, ok := c.(settler); ok {
		settle = s.Settle
	}
	var reads, hits int
	for _, a := range trace {
		read, hit := step(c, a)
		if read {
			reads++
		}
		if hit {
			hits++
		} else {
			settle()
		}
	}
	return float64(hits) / float64(reads)
}

// hitRatios memoises replay per impl and size: a replay is deterministic
// (up to ristretto's sampling), so one per process is enough.
var hitRatios struct {
	sync.Mutex
	m map[string]float64
}

func hitRatio(tb testing.TB, im impl, size int) float64 {
	key := fmt.Sprintf("%s/%d", im.name, size)
	hitRatios.Lock()
	defer hitRatios.Unlock()
	if r, ok := hitRatios.m[key]; ok {
		return r
	}
	if hitRatios.m == nil {
		hitRatios.m = make(map[string]float64)
	}
	r := replay(im.new(tb, size), zipfTrace())
	hitRatios.m[key] = r
	return r
}

// hot returns a cache of hotSize entries holding keys()[:hotKeys].
func hot(tb testing.TB, im impl) cache {
	tb.Helper()
	c := im.new(tb, hotSize)
	for i, k := range keys()[:hotKeys] {
		c.Set(k, i)
	}
	if s, ok := c.(settler); ok {
		s.Settle()
	}
	for _, k := range keys()[:hotKeys] {
		if _, ok := c.Get(k); !ok {
			tb.Fatalf("%s: Get(%q) missed after Set", im.name, k)
		}
	}
	return c
}

// BenchmarkGetHit reads keys that are all cached, from one goroutine.
func BenchmarkGetHit(b *testing.B) {
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			c, ks := hot(b, im), keys()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok := c.Get(ks[i&(hotKeys-1)]); !ok {
					b.Fatal("miss")
				}
				i++
			}
		})
	}
}

// BenchmarkGetHitParallel is BenchmarkGetHit from GOMAXPROCS goroutines.
func BenchmarkGetHitParallel(b *testing.B) {
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			c, ks := hot(b, im), keys()
			var seed atomic.Uint32
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seed.Add(1)) * 97
				for pb.Next() {
					if _, ok := c.Get(ks[i&(hotKeys-1)]); !ok {
						b.Error("miss")
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkSet replaces the values of cached keys, from one goroutine.
func BenchmarkSet(b *testing.B) {
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			c, ks := hot(b, im), keys()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.Set(ks[i&(hotKeys-1)], i)
				i++
			}
		})
	}
}

// BenchmarkSetParallel is BenchmarkSet from GOMAXPROCS goroutines.
func BenchmarkSetParallel(b *testing.B) {
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			c, ks := hot(b, im), keys()
			var seed atomic.Uint32
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seed.Add(1)) * 97
				for pb.Next() {
					c.Set(ks[i&(hotKeys-1)], i)
					i++
				}
			})
		})
	}
}

// BenchmarkZipf runs the Zipf trace from GOMAXPROCS goroutines, each from
// its own offset, on a cache warmed by the trace's first eighth, and
// reports the hit ratio of a single-goroutine replay.
func BenchmarkZipf(b *testing.B) {
	for _, size := range zipfSizes {
		for _, im := range impls {
			b.Run(fmt.Sprintf("size=%d/impl=%s", size, im.name), func(b *testing.B) {
				ratio := hitRatio(b, im, size)
				trace := zipfTrace()
				c := im.new(b, size)
				for _, a := range trace[:traceLen/8] {
					step(c, a)
				}
				var seed atomic.Uint32
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := int(seed.Add(1)) * (traceLen / 16)
					for pb.Next() {
						step(c, trace[i&(traceLen-1)])
						i++
					}
				})
				b.ReportMetric(ratio, "hit-ratio")
			})
		}
	}
}
