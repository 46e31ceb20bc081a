package breaker

import (
	"net/http"
	"testing"
)

// okTransport answers every request with the same response, so that a
// benchmark measures the transports around it, not the network.
type okTransport struct{ resp *http.Response }

func (t okTransport) RoundTrip(*http.Request) (*http.Response, error) { return t.resp, nil }

// BenchmarkTransport measures the cost a Transport adds to a request that
// succeeds in the closed state (base alone, then through the Transport
// under the default rule and under a time window, serial and parallel),
// and of a rejection in the open state.
func BenchmarkTransport(b *testing.B) {
	base := okTransport{&http.Response{StatusCode: http.StatusOK, Body: http.NoBody}}
	req, err := http.NewRequest(http.MethodGet, "http://svc.test/item", nil)
	if err != nil {
		b.Fatal(err)
	}
	consecutive := mustTransport(b, base)
	window := mustTransport(b, base, WithFailureRate(0.5), WithTimeWindow(10e9, 10))
	for _, bm := range []struct {
		name string
		rt   http.RoundTripper
	}{{"base", base}, {"Transport", consecutive}, {"Transport/time-window", window}} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.rt.RoundTrip(req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bm.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := bm.rt.RoundTrip(req); err != nil {
						b.Error(err)
					}
				}
			})
		})
	}
	b.Run("Transport/open", func(b *testing.B) {
		brk, err := New()
		if err != nil {
			b.Fatal(err)
		}
		brk.ForceOpen()
		rt, err := Transport(base, brk)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rt.RoundTrip(req); err == nil {
				b.Fatal("RoundTrip succeeded through a forced-open breaker")
			}
		}
	})
}

func mustTransport(b *testing.B, base http.RoundTripper, opts ...Option) http.RoundTripper {
	b.Helper()
	brk, err := New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := Transport(base, brk)
	if err != nil {
		b.Fatal(err)
	}
	return rt
}
