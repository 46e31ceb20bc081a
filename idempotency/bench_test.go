package idempotency

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func newBenchGroup(b *testing.B, opts ...Option) *Group {
	b.Helper()
	g, err := New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// BenchmarkClock is one time.Since, the clock read that a replay from a
// MemoryStore makes: the part of its cost that depends on the machine's
// clock source (tens of nanoseconds on a virtual machine, a few on bare
// metal).
func BenchmarkClock(b *testing.B) {
	base := time.Now()
	var d time.Duration
	for b.Loop() {
		d = time.Since(base)
	}
	_ = d
}

// BenchmarkReplay measures a replay from a MemoryStore: one Acquire that
// finds the completed record, the fingerprint check and the decoding.
func BenchmarkReplay(b *testing.B) {
	ctx := context.Background()
	str := func(context.Context) (string, error) { return "order-42 accepted", nil }
	num := func(context.Context) (int, error) { return 42, nil }
	b.Run("raw-string", func(b *testing.B) {
		benchReplay(b, newBenchGroup(b, WithCodec(RawCodec{})), str)
	})
	b.Run("json-int", func(b *testing.B) {
		benchReplay(b, newBenchGroup(b), num)
	})
	b.Run("raw-string/parallel", func(b *testing.B) {
		g := newBenchGroup(b, WithCodec(RawCodec{}))
		if _, _, err := Do(ctx, g, "key", "fp", str); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, replayed, err := Do(ctx, g, "key", "fp", str); err != nil || !replayed {
					b.Errorf("Do = _, %v, %v, want a replay", replayed, err)
					return
				}
			}
		})
	})
}

func benchReplay[T any](b *testing.B, g *Group, fn func(context.Context) (T, error)) {
	ctx := context.Background()
	if _, _, err := Do(ctx, g, "key", "fp", fn); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, replayed, err := Do(ctx, g, "key", "fp", fn); err != nil || !replayed {
			b.Fatalf("Do = _, %v, %v, want a replay", replayed, err)
		}
	}
}

// benchKeys are the distinct keys of the first-run benchmarks; when they
// run out, the benchmark starts over on a fresh store (timer stopped).
var benchKeys = func() []string {
	keys := make([]string, 1<<18)
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
	}
	return keys
}()

// firstRuns calls run with a new key each iteration, on a fresh Group
// from newGroup whenever the keys run out.
func firstRuns(b *testing.B, newGroup func() *Group, run func(g *Group, key string)) {
	g := newGroup()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i == len(benchKeys) {
			b.StopTimer()
			g, i = newGroup(), 0
			b.StartTimer()
		}
		run(g, benchKeys[i])
		i++
	}
}

// BenchmarkAcquireComplete measures a first call on a MemoryStore: acquire
// a new key, start and join the lease renewal, run fn, record its result.
func BenchmarkAcquireComplete(b *testing.B) {
	ctx := context.Background()
	fn := func(context.Context) (string, error) { return "order-42 accepted", nil }
	firstRuns(b, func() *Group {
		s, err := NewMemoryStore(len(benchKeys))
		if err != nil {
			b.Fatal(err)
		}
		return newBenchGroup(b, WithStore(s), WithCodec(RawCodec{}))
	}, func(g *Group, key string) {
		if _, replayed, err := Do(ctx, g, key, "fp", fn); err != nil || replayed {
			b.Fatalf("Do = _, %v, %v, want a first run", replayed, err)
		}
	})
}

// BenchmarkMiddleware compares a small JSON POST handler bare, behind the
// middleware for a first request with its key, and for a replay. Each
// iteration builds its request and recorder, as a server would.
func BenchmarkMiddleware(b *testing.B) {
	const body = `{"sku":"apple","quantity":3,"customer":"c-1029"}`
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "/orders/42")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":42,"status":"accepted"}`)
	})
	serve := func(h http.Handler, key string) int {
		r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
		if key != "" {
			r.Header.Set(HeaderKey, key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	wrap := func(b *testing.B, g *Group) http.Handler {
		mw, err := Middleware(g)
		if err != nil {
			b.Fatal(err)
		}
		return mw(handler)
	}
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			serve(handler, "")
		}
	})
	b.Run("first", func(b *testing.B) {
		var h http.Handler
		firstRuns(b, func() *Group {
			s, err := NewMemoryStore(len(benchKeys))
			if err != nil {
				b.Fatal(err)
			}
			g := newBenchGroup(b, WithStore(s))
			h = wrap(b, g)
			return g
		}, func(_ *Group, key string) {
			if code := serve(h, key); code != http.StatusCreated {
				b.Fatalf("status %d, want 201", code)
			}
		})
	})
	b.Run("replay", func(b *testing.B) {
		h := wrap(b, newBenchGroup(b))
		serve(h, "k")
		b.ReportAllocs()
		for b.Loop() {
			if code := serve(h, "k"); code != http.StatusCreated {
				b.Fatalf("status %d, want 201", code)
			}
		}
	})
}
