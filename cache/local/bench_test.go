package local

import (
	"bufio"
	"compress/gzip"
	"container/list"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchKeys is the number of keys of the Get and Set benchmarks: all of
// them fit in a Cache of the default bound.
const benchKeys = 1 << 13

func newBenchCache[K comparable, V any](b *testing.B, opts ...Option) *Cache[K, V] {
	b.Helper()
	c, err := New[K, V](opts...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// filledCache returns a Cache of the default bound holding keys 0 to
// benchKeys-1.
func filledCache(b *testing.B) *Cache[int, int] {
	c := newBenchCache[int, int](b)
	for i := range benchKeys {
		_ = c.Set(i, i)
	}
	return c
}

func BenchmarkGet(b *testing.B) {
	b.Run("hit", func(b *testing.B) {
		c := filledCache(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c.Get(i & (benchKeys - 1))
			i++
		}
	})
	b.Run("hit-string", func(b *testing.B) {
		c := newBenchCache[string, int](b)
		keys := make([]string, benchKeys)
		for i := range keys {
			keys[i] = "user:" + strconv.Itoa(i)
			_ = c.Set(keys[i], i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c.Get(keys[i&(benchKeys-1)])
			i++
		}
	})
	b.Run("hit-ttl", func(b *testing.B) {
		// Entries with a time to live cost a clock read on every hit.
		c := newBenchCache[int, int](b, WithTTL(time.Hour))
		for i := range benchKeys {
			_ = c.Set(i, i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c.Get(i & (benchKeys - 1))
			i++
		}
	})
	b.Run("hit-parallel", func(b *testing.B) {
		c := filledCache(b)
		b.ReportAllocs()
		var seed atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := int(seed.Add(1) * 7919)
			for pb.Next() {
				c.Get(i & (benchKeys - 1))
				i++
			}
		})
	})
	b.Run("hit-parallel-reference=rwmutex-map", func(b *testing.B) {
		var mu sync.RWMutex
		m := make(map[int]int, benchKeys)
		for i := range benchKeys {
			m[i] = i
		}
		b.ReportAllocs()
		var seed atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := int(seed.Add(1) * 7919)
			for pb.Next() {
				mu.RLock()
				_ = m[i&(benchKeys-1)]
				mu.RUnlock()
				i++
			}
		})
	})
	b.Run("miss", func(b *testing.B) {
		c := filledCache(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c.Get(benchKeys + i)
			i++
		}
	})
}

func BenchmarkSet(b *testing.B) {
	b.Run("existing", func(b *testing.B) {
		c := filledCache(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_ = c.Set(i&(benchKeys-1), i)
			i++
		}
	})
	b.Run("existing-parallel", func(b *testing.B) {
		c := filledCache(b)
		b.ReportAllocs()
		var seed atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := int(seed.Add(1) * 7919)
			for pb.Next() {
				_ = c.Set(i&(benchKeys-1), i)
				i++
			}
		})
	})
	b.Run("new", func(b *testing.B) {
		// Every Set stores a new key into a full cache, evicting one.
		c := filledCache(b)
		b.ReportAllocs()
		i := benchKeys
		for b.Loop() {
			_ = c.Set(i, i)
			i++
		}
	})
}

// zipfTrace returns n keys drawn from a Zipf distribution (s = 1.01, v = 1)
// over 100,000 keys, the same on every call.
func zipfTrace(n int) []uint64 {
	r := rand.New(rand.NewPCG(42, 1))
	z := rand.NewZipf(r, 1.01, 1, 100_000-1)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = z.Uint64()
	}
	return keys
}

// benchZipf is the Zipf trace of the benchmarks, made once.
var benchZipf = sync.OnceValue(func() []uint64 { return zipfTrace(1 << 20) })

// mixedOp performs access i of the mixed workload on key k: one access in
// ten writes k, the others read it and, on a miss, store it as cache-aside
// code does. It reports whether the access was a read that hit.
func mixedOp(c *Cache[uint64, uint64], i int, k uint64) bool {
	if i%10 == 9 {
		_ = c.Set(k, k)
		return false
	}
	if _, ok := c.Get(k); ok {
		return true
	}
	_ = c.Set(k, k)
	return false
}

// BenchmarkZipf runs the mixed workload (90% reads, 10% writes) over the
// Zipf trace on caches holding 1% and 10% of the keys. Its hit-ratio metric
// comes from one replay of the whole trace by a single goroutine, before the
// timed part, so it does not depend on b.N or on scheduling.
func BenchmarkZipf(b *testing.B) {
	trace := benchZipf()
	for _, size := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			c := newBenchCache[uint64, uint64](b, WithMaxEntries(size))
			hits, reads := 0, 0
			for i, k := range trace {
				if mixedOp(c, i, k) {
					hits++
				}
				if i%10 != 9 {
					reads++
				}
			}
			b.Run("serial", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					mixedOp(c, i, trace[i&(len(trace)-1)])
					i++
				}
				b.ReportMetric(float64(hits)/float64(reads), "hit-ratio")
			})
			b.Run("parallel", func(b *testing.B) {
				b.ReportAllocs()
				var seed atomic.Uint64
				b.RunParallel(func(pb *testing.PB) {
					i := int(seed.Add(1) * 7919)
					for pb.Next() {
						mixedOp(c, i, trace[i&(len(trace)-1)])
						i++
					}
				})
				b.ReportMetric(float64(hits)/float64(reads), "hit-ratio")
			})
		})
	}
}

// lruModel is a plain LRU cache, the reference the hit-ratio benchmarks
// compare the Cache with.
type lruModel struct {
	capacity int
	order    *list.List // of uint64 keys, most recent first
	items    map[uint64]*list.Element
}

func newLRUModel(capacity int) *lruModel {
	return &lruModel{capacity: capacity, order: list.New(), items: make(map[uint64]*list.Element)}
}

// access reads k, storing it on a miss, and reports whether it hit.
func (l *lruModel) access(k uint64) bool {
	if e, ok := l.items[k]; ok {
		l.order.MoveToFront(e)
		return true
	}
	if l.order.Len() >= l.capacity {
		delete(l.items, l.order.Remove(l.order.Back()).(uint64))
	}
	l.items[k] = l.order.PushFront(k)
	return false
}

// replay reads every key of trace through a new cache of the given policy
// and size, storing it on a miss, and returns the hit ratio.
func replay(b *testing.B, policy string, size int, trace []uint64) float64 {
	hits := 0
	switch policy {
	case "lru":
		l := newLRUModel(size)
		for _, k := range trace {
			if l.access(k) {
				hits++
			}
		}
	default:
		c := newBenchCache[uint64, uint64](b, WithMaxEntries(size))
		for _, k := range trace {
			if _, ok := c.Get(k); ok {
				hits++
				continue
			}
			_ = c.Set(k, k)
		}
	}
	return float64(hits) / float64(len(trace))
}

// BenchmarkHitRatio replays whole traces, one per iteration, through a
// Cache and through a plain LRU of the same size, and reports their hit
// ratios: the Zipf trace (sizes 1% and 10% of the keys) and the ARC paper's
// OLTP trace (testdata/oltp.arc.gz, see testdata/README.md).
func BenchmarkHitRatio(b *testing.B) {
	traces := []struct {
		name  string
		sizes []int
		keys  func(testing.TB) []uint64
	}{
		{"zipf", []int{1_000, 10_000}, func(testing.TB) []uint64 { return benchZipf() }},
		{"oltp", []int{250, 1_000, 2_000}, oltpTrace},
	}
	for _, tr := range traces {
		for _, size := range tr.sizes {
			for _, policy := range []string{"wtinylfu", "lru"} {
				b.Run(fmt.Sprintf("trace=%s/size=%d/policy=%s", tr.name, size, policy), func(b *testing.B) {
					trace := tr.keys(b)
					var ratio float64
					for b.Loop() {
						ratio = replay(b, policy, size, trace)
					}
					b.ReportMetric(ratio, "hit-ratio")
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(trace)), "ns/access")
				})
			}
		}
	}
}

var oltpKeys = sync.OnceValues(func() ([]uint64, error) {
	f, err := os.Open("testdata/oltp.arc.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return parseARCTrace(zr)
})

// oltpTrace returns the keys of the OLTP trace, in order.
func oltpTrace(tb testing.TB) []uint64 {
	keys, err := oltpKeys()
	if err != nil {
		tb.Fatalf("reading the OLTP trace: %v", err)
	}
	return keys
}

// parseARCTrace parses a trace in the ARC paper's format: lines of four
// fields, "START COUNT IGNORED IGNORED", each standing for accesses to keys
// START to START+COUNT-1.
func parseARCTrace(r io.Reader) ([]uint64, error) {
	var keys []uint64
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %d: want 4 fields, got %q", line, sc.Text())
		}
		start, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		count, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil || count > 1<<20 {
			return nil, fmt.Errorf("line %d: bad count %q", line, fields[1])
		}
		for i := range count {
			keys = append(keys, start+i)
		}
	}
	return keys, sc.Err()
}
