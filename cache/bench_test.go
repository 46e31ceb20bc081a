package cache_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/cache/local"
	cacheredis "github.com/holdfast-go/holdfast/cache/redis"
	"github.com/holdfast-go/holdfast/internal/redistest"
	goredis "github.com/redis/go-redis/v9"
)

// benchKeys is the number of keys of the hit benchmarks.
const benchKeys = 1 << 12

func benchKeyNames(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "user:" + strconv.Itoa(i)
	}
	return keys
}

func newBenchCache(b *testing.B, opts ...cache.Option) *cache.Cache[string] {
	b.Helper()
	c, err := cache.New[string](opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

// redisStore starts redis-server (or skips, see redistest) and returns a
// Store on it, and the counting wrapper that the benchmarks use.
func redisStore(b *testing.B) *countingStore {
	b.Helper()
	srv := redistest.Start(b)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true, PoolSize: 64})
	b.Cleanup(func() { _ = client.Close() })
	s, err := cacheredis.New(client)
	if err != nil {
		b.Fatal(err)
	}
	return &countingStore{Store: s, PubSub: s}
}

// BenchmarkCacheLocalHit compares a hit in the local tier through Cache
// with a Get of a bare Local holding the same keys.
func BenchmarkCacheLocalHit(b *testing.B) {
	ctx := context.Background()
	keys := benchKeyNames(benchKeys)
	load := func(context.Context) (string, error) { return "v", nil }
	b.Run("Local.Get", func(b *testing.B) {
		l, err := local.New[string, string](local.WithTTL(time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			_ = l.Set(k, "v")
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.Get(keys[i&(benchKeys-1)])
			i++
		}
	})
	caches := []struct {
		name string
		opts []cache.Option
	}{
		{"Cache", nil},
		{"Cache-stale-grace", []cache.Option{cache.WithStaleGrace(time.Minute)}},
	}
	for _, cc := range caches {
		c := newBenchCache(b, cc.opts...)
		for _, k := range keys {
			_ = c.Set(ctx, k, "v")
		}
		b.Run(cc.name+".Get", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_, _ = c.Get(ctx, keys[i&(benchKeys-1)])
				i++
			}
		})
		b.Run(cc.name+".GetOrLoad", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_, _ = c.GetOrLoad(ctx, keys[i&(benchKeys-1)], load)
				i++
			}
		})
		b.Run(cc.name+".Get-parallel", func(b *testing.B) {
			b.ReportAllocs()
			var seed atomic.Uint64
			b.RunParallel(func(pb *testing.PB) {
				i := int(seed.Add(1) * 7919)
				for pb.Next() {
					_, _ = c.Get(ctx, keys[i&(benchKeys-1)])
					i++
				}
			})
		})
	}
}

// BenchmarkCacheRemoteHit measures a Get answered by the Store: the local
// tier is off, so every Get makes one round trip.
func BenchmarkCacheRemoteHit(b *testing.B) {
	ctx := context.Background()
	keys := benchKeyNames(256)
	stores := []struct {
		name  string
		store func(b *testing.B) cache.Store
	}{
		{"memory", func(b *testing.B) cache.Store { s, _ := cache.NewMemoryStore(1024); return s }},
		{"redis", func(b *testing.B) cache.Store { return redisStore(b) }},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			c := newBenchCache(b, cache.WithStore(st.store(b)), cache.WithoutLocal())
			for _, k := range keys {
				if err := c.Set(ctx, k, "v"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := c.Get(ctx, keys[i&255]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("redis-parallel", func(b *testing.B) {
		c := newBenchCache(b, cache.WithStore(redisStore(b)), cache.WithoutLocal())
		for _, k := range keys {
			_ = c.Set(ctx, k, "v")
		}
		b.ReportAllocs()
		var seed atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := int(seed.Add(1) * 7919)
			for pb.Next() {
				_, _ = c.Get(ctx, keys[i&255])
				i++
			}
		})
	})
}

// BenchmarkCacheMiss measures a GetOrLoad of a key in neither tier: a
// Store read, the loader, a Store write and an invalidation message.
func BenchmarkCacheMiss(b *testing.B) {
	ctx := context.Background()
	load := func(context.Context) (string, error) { return "v", nil }
	stores := []struct {
		name  string
		store func(b *testing.B) cache.Store
	}{
		{"memory", func(b *testing.B) cache.Store { s, _ := cache.NewMemoryStore(1 << 16); return s }},
		{"redis", func(b *testing.B) cache.Store { return redisStore(b) }},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			c := newBenchCache(b, cache.WithStore(st.store(b)), cache.WithLocalEntries(1<<16))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := c.GetOrLoad(ctx, "miss:"+strconv.Itoa(i), load); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkCacheStampede sends n goroutines at once after one cold key
// whose loader takes 100µs, and reports the loads per stampede (1 is
// the goal) and the time per stampede.
func BenchmarkCacheStampede(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10, 100, 1000} {
		b.Run("goroutines="+strconv.Itoa(n), func(b *testing.B) {
			c := newBenchCache(b)
			var loads atomic.Int64
			load := func(context.Context) (string, error) {
				loads.Add(1)
				time.Sleep(100 * time.Microsecond) // a database query
				return "v", nil
			}
			b.ReportAllocs()
			round := 0
			for b.Loop() {
				key := "cold:" + strconv.Itoa(round)
				round++
				start := make(chan struct{})
				var wg sync.WaitGroup
				for range n {
					wg.Go(func() {
						<-start
						_, _ = c.GetOrLoad(ctx, key, load)
					})
				}
				close(start)
				wg.Wait()
			}
			b.ReportMetric(float64(loads.Load())/float64(round), "loads/stampede")
		})
	}
}

// BenchmarkCacheZipf replays Zipf-distributed GetOrLoad calls (s = 1.01,
// 10,000 keys, all already in Redis) with the local tier off, holding 1%
// and holding 10% of the keys, and reports the Redis round trips per 1,000
// calls: what the local tier saves the network.
func BenchmarkCacheZipf(b *testing.B) {
	const keys = 10_000
	ctx := context.Background()
	names := benchKeyNames(keys)
	r := rand.New(rand.NewPCG(7, 7))
	z := rand.NewZipf(r, 1.01, 1, keys-1)
	trace := make([]string, 1<<16)
	for i := range trace {
		trace[i] = names[z.Uint64()]
	}
	load := func(context.Context) (string, error) { return "value", nil }
	tiers := []struct {
		name string
		opt  cache.Option
	}{
		{"local=off", cache.WithoutLocal()},
		{"local=1%", cache.WithLocalEntries(keys / 100)},
		{"local=10%", cache.WithLocalEntries(keys / 10)},
	}
	for _, tier := range tiers {
		b.Run(tier.name, func(b *testing.B) {
			store := redisStore(b)
			c := newBenchCache(b, cache.WithStore(store), tier.opt)
			fill(b, c, names, load)
			for _, k := range trace { // warm the local tier
				_, _ = c.GetOrLoad(ctx, k, load)
			}
			store.reset()
			before := c.Stats()
			b.ReportAllocs()
			i, calls := 0, 0
			for b.Loop() {
				if _, err := c.GetOrLoad(ctx, trace[i&(len(trace)-1)], load); err != nil {
					b.Fatal(err)
				}
				i++
				calls++
			}
			b.ReportMetric(1000*float64(store.calls())/float64(calls), "roundtrips/1000gets")
			b.ReportMetric(float64(c.Stats().LocalHits-before.LocalHits)/float64(calls), "local-hit-ratio")
		})
	}
}

// fill stores every key in the Store, sixteen at a time.
func fill(b *testing.B, c *cache.Cache[string], names []string, load func(context.Context) (string, error)) {
	b.Helper()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(names)); i = next.Add(1) - 1 {
				_, _ = c.GetOrLoad(context.Background(), names[i], load)
			}
		})
	}
	wg.Wait()
}

// countingStore counts the round trips made to the Store it wraps.
type countingStore struct {
	cache.Store
	cache.PubSub
	n atomic.Int64
}

func (s *countingStore) calls() int64 { return s.n.Load() }
func (s *countingStore) reset()       { s.n.Store(0) }

func (s *countingStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.n.Add(1)
	return s.Store.Get(ctx, key)
}

func (s *countingStore) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	s.n.Add(1)
	return s.Store.GetMany(ctx, keys)
}

func (s *countingStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	s.n.Add(1)
	return s.Store.Set(ctx, key, val, ttl)
}

func (s *countingStore) GetOrAdd(ctx context.Context, key string, val []byte, ttl time.Duration) ([]byte, bool, error) {
	s.n.Add(1)
	return s.Store.GetOrAdd(ctx, key, val, ttl)
}

func (s *countingStore) CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	s.n.Add(1)
	return s.Store.CompareAndSet(ctx, key, old, val, ttl)
}

func (s *countingStore) Delete(ctx context.Context, keys ...string) error {
	s.n.Add(1)
	return s.Store.Delete(ctx, keys...)
}

func (s *countingStore) Publish(ctx context.Context, channel, msg string) error {
	s.n.Add(1)
	return s.PubSub.Publish(ctx, channel, msg)
}
