package deadline

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// nopWriter is a ResponseWriter that discards everything, so that the
// benchmarks measure the middleware, not a recorder.
type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header         { return w.h }
func (w nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w nopWriter) WriteHeader(int)             {}

func BenchmarkMiddleware(b *testing.B) {
	var nop http.Handler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	// waits stands for a handler that does I/O with its context: a select
	// on Done, as net/http's client and database/sql do.
	var waits http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		default:
		}
	})
	mw, err := Middleware()
	if err != nil {
		b.Fatal(err)
	}
	// manual is the least any middleware that sets a deadline must do: what
	// context.WithTimeout and Request.WithContext allocate.
	manual := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		nop.ServeHTTP(w, r.WithContext(ctx))
	})
	millis := http.Header{HeaderTimeout: {"250"}}
	tests := []struct {
		name    string
		handler http.Handler
		header  http.Header
		server  bool // a new cancellable parent per request, as net/http gives
	}{
		{"bare", nop, millis, false},
		{"manual-deadline", manual, millis, false},
		{"middleware/default", mw(nop), http.Header{}, false},
		{"middleware/millis", mw(nop), millis, false},
		{"middleware/grpc", mw(nop), http.Header{HeaderGRPCTimeout: {"250m"}}, false},
		{"middleware/millis/handler-waits", mw(waits), millis, false},
		// Under a server's request context: subtract server/bare, which
		// counts the parent and its request copy.
		{"server/bare", nop, millis, true},
		{"server/middleware/millis", mw(nop), millis, true},
		{"server/middleware/millis/handler-waits", mw(waits), millis, true},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			req, err := http.NewRequest(http.MethodGet, "http://a.test/", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header = tt.header
			w := nopWriter{http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				if !tt.server {
					tt.handler.ServeHTTP(w, req)
					continue
				}
				ctx, cancel := context.WithCancel(context.Background())
				tt.handler.ServeHTTP(w, req.WithContext(ctx))
				cancel()
			}
		})
	}
}

// cannedTransport answers every request with the same response.
type cannedTransport struct{ resp *http.Response }

func (c cannedTransport) RoundTrip(*http.Request) (*http.Response, error) { return c.resp, nil }

// cloneTransport is the plain way to add a header: Request.Clone and
// Header.Set, for comparison.
type cloneTransport struct{ base http.RoundTripper }

func (c cloneTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set(HeaderTimeout, "250")
	return c.base.RoundTrip(r2)
}

func BenchmarkTransport(b *testing.B) {
	canned := cannedTransport{&http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody}}
	withGRPC := must(Transport(canned, WithGRPCTimeout(true)))
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	tests := []struct {
		name string
		rt   http.RoundTripper
		ctx  context.Context
	}{
		{"bare", canned, ctx},
		{"clone-and-set", cloneTransport{canned}, ctx},
		{"transport/no-deadline", must(Transport(canned)), context.Background()},
		{"transport/deadline", must(Transport(canned)), ctx},
		{"transport/deadline+grpc", withGRPC, ctx},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			benchRoundTrip(tt.ctx, b, tt.rt, 2)
		})
	}
	// Past six caller headers the copied map outgrows one group of eight.
	b.Run("transport/deadline/8-headers", func(b *testing.B) {
		benchRoundTrip(ctx, b, must(Transport(canned)), 8)
	})
	b.Run("transport/deadline/parallel", func(b *testing.B) {
		rt := must(Transport(canned))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://b.test/", nil)
			for pb.Next() {
				if _, err := rt.RoundTrip(req); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// benchRoundTrip sends one request with ctx and n headers through rt, again
// and again.
func benchRoundTrip(ctx context.Context, b *testing.B, rt http.RoundTripper, n int) {
	b.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://b.test/", nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		req.Header.Set("X-Bench-"+strconv.Itoa(i), "v")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rt.RoundTrip(req); err != nil {
			b.Fatal(err)
		}
	}
}

func must(rt http.RoundTripper, err error) http.RoundTripper {
	if err != nil {
		panic(err)
	}
	return rt
}

func BenchmarkParse(b *testing.B) {
	tests := []struct {
		name  string
		parse func(string) (time.Duration, error)
		in    string
	}{
		{"millis", parseMillis, "12345"},
		{"millis/8-digits", parseMillis, "99999999"},
		{"grpc", ParseGRPCTimeout, "12345m"},
		{"grpc/8-digits", ParseGRPCTimeout, "99999999u"},
		{"grpc/invalid", ParseGRPCTimeout, "12345x"},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tt.parse(tt.in)
			}
		})
	}
}

// sink keeps results on the heap, as a caller storing them would.
var sink string

func BenchmarkFormat(b *testing.B) {
	const d = 12345678 * time.Microsecond
	buf := make([]byte, 0, 16)
	b.Run("millis/append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = appendMillis(buf[:0], d)
		}
		b.ReportMetric(float64(len(buf)), "bytes/value")
	})
	b.Run("grpc/append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = AppendGRPCTimeout(buf[:0], d)
		}
		b.ReportMetric(float64(len(buf)), "bytes/value")
	})
	b.Run("grpc/string", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = FormatGRPCTimeout(d)
		}
	})
}

func BenchmarkBudget(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	b.Run("Remaining", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Remaining(ctx)
		}
	})
	b.Run("Require", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := Require(ctx, time.Second); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Tighten/looser", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, cancel := Tighten(ctx, 2*time.Hour)
			cancel()
		}
	})
	b.Run("Tighten/tighter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, cancel := Tighten(ctx, time.Second)
			cancel()
		}
	})
	b.Run("Reserve", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, cancel, _ := Reserve(ctx, time.Second)
			cancel()
		}
	})
	b.Run("Fraction", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, cancel, _ := Fraction(ctx, 0.4)
			cancel()
		}
	})
	b.Run("WithTimeout", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, cancel := WithTimeout(ctx, "call", time.Second)
			cancel()
		}
	})
}
