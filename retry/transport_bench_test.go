package retry

import (
	"net/http"
	"testing"
)

// okTransport answers every request with the same response, so that a
// benchmark measures the transports around it, not the network.
type okTransport struct{ resp *http.Response }

func (t okTransport) RoundTrip(*http.Request) (*http.Response, error) { return t.resp, nil }

// BenchmarkTransport measures the cost a Transport adds to a request whose
// first attempt succeeds: base alone, then through the Transport, with a
// budget, and in parallel. The added cost is the difference with base.
func BenchmarkTransport(b *testing.B) {
	base := okTransport{&http.Response{StatusCode: http.StatusOK, Body: http.NoBody}}
	req, err := http.NewRequest(http.MethodGet, "http://svc.test/item", nil)
	if err != nil {
		b.Fatal(err)
	}
	budget, err := NewBudget()
	if err != nil {
		b.Fatal(err)
	}
	plain := mustTransport(b, base, New)
	withBudget := mustTransport(b, base, func(...Option) (*Policy, error) { return New(WithBudget(budget)) })
	for _, bm := range []struct {
		name string
		rt   http.RoundTripper
	}{{"base", base}, {"Transport", plain}, {"Transport/budget", withBudget}} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.rt.RoundTrip(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("Transport/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := plain.RoundTrip(req); err != nil {
					b.Error(err)
				}
			}
		})
	})
}

func mustTransport(b *testing.B, base http.RoundTripper, newPolicy func(...Option) (*Policy, error)) http.RoundTripper {
	b.Helper()
	p, err := newPolicy()
	if err != nil {
		b.Fatal(err)
	}
	rt, err := Transport(base, p)
	if err != nil {
		b.Fatal(err)
	}
	return rt
}
