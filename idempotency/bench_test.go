package idempotency

import (
	"context"
	"strconv"
	"testing"
)

func newBenchGroup(b *testing.B, opts ...Option) *Group {
	b.Helper()
	g, err := New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// BenchmarkReplay measures a replay from a MemoryStore: one Acquire that
// finds the completed record, the fingerprint check and the decoding.
func BenchmarkReplay(b *testing.B) {
	ctx := context.Background()
	b.Run("raw-string", func(b *testing.B) {
		g := newBenchGroup(b, WithCodec(RawCodec{}))
		fn := func(context.Context) (string, error) { return "order-42 accepted", nil }
		if _, _, err := Do(ctx, g, "key", "fp", fn); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, replayed, err := Do(ctx, g, "key", "fp", fn); err != nil || !replayed {
				b.Fatalf("Do = _, %v, %v, want a replay", replayed, err)
			}
		}
	})
	b.Run("json-int", func(b *testing.B) {
		g := newBenchGroup(b)
		fn := func(context.Context) (int, error) { return 42, nil }
		if _, _, err := Do(ctx, g, "key", "fp", fn); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, replayed, err := Do(ctx, g, "key", "fp", fn); err != nil || !replayed {
				b.Fatalf("Do = _, %v, %v, want a replay", replayed, err)
			}
		}
	})
	b.Run("raw-string/parallel", func(b *testing.B) {
		g := newBenchGroup(b, WithCodec(RawCodec{}))
		fn := func(context.Context) (string, error) { return "order-42 accepted", nil }
		if _, _, err := Do(ctx, g, "key", "fp", fn); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _, _ = Do(ctx, g, "key", "fp", fn)
			}
		})
	})
}

// BenchmarkAcquireComplete measures a first call on a MemoryStore: acquire
// a new key, start and join the lease renewal, run fn, record its result.
func BenchmarkAcquireComplete(b *testing.B) {
	ctx := context.Background()
	s, err := NewMemoryStore(1 << 20)
	if err != nil {
		b.Fatal(err)
	}
	g := newBenchGroup(b, WithStore(s), WithCodec(RawCodec{}))
	fn := func(context.Context) (string, error) { return "order-42 accepted", nil }
	keys := make([]string, 1<<20)
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, replayed, err := Do(ctx, g, keys[i%len(keys)], "fp", fn); err != nil || replayed {
			b.Fatalf("Do = _, %v, %v, want a first run", replayed, err)
		}
		i++
		if i%len(keys) == 0 {
			b.StopTimer()
			s.items = make(map[string]memRecord)
			b.StartTimer()
		}
	}
}
