package limit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"
)

func TestShed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBulkhead(t, 1, WithMaxWaiting(5), WithRetryAfter(1500*time.Millisecond))
		prio := func(r *http.Request) Priority {
			switch r.URL.Path {
			case "/healthz":
				return Critical
			case "/batch":
				return Sheddable
			}
			return Normal
		}
		mw, err := Shed(b, WithPriority(prio), WithStatus(http.StatusTooManyRequests))
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				<-release
			}
			w.WriteHeader(http.StatusOK)
		}))
		serve := func(path string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			return rec
		}
		slow := make(chan int)
		go func() { slow <- serve("/slow").Code }()
		synctest.Wait() // /slow holds the only place

		if rec := serve("/batch"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" {
			t.Fatalf("sheddable request = %d, Retry-After %q; want 429, 2", rec.Code, rec.Header().Get("Retry-After"))
		}
		if rec := serve("/healthz"); rec.Code != http.StatusOK {
			t.Fatalf("critical request = %d, want 200 (never shed)", rec.Code)
		}
		normal := make(chan int)
		go func() { normal <- serve("/item").Code }()
		synctest.Wait()
		if s := b.Stats(); s.Waiting != 1 {
			t.Fatalf("normal request: Stats().Waiting = %d, want 1 (it waits)", s.Waiting)
		}
		close(release)
		if code := <-slow; code != http.StatusOK {
			t.Fatalf("slow request = %d, want 200", code)
		}
		if code := <-normal; code != http.StatusOK {
			t.Fatalf("normal request = %d, want 200 once the place is free", code)
		}
	})
}

func TestShedDefaultStatus(t *testing.T) {
	b := newBulkhead(t, 1)
	hold, _ := b.TryAcquire()
	defer hold.Release(nil)
	mw, err := Shed(b)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mw(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("shed request = %d, Retry-After %q; want 503, 1", rec.Code, rec.Header().Get("Retry-After"))
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "1"}, {time.Millisecond, "1"}, {time.Second, "1"}, {1001 * time.Millisecond, "2"}, {time.Minute, "60"},
	}
	for _, tt := range tests {
		if got := retryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("retryAfterSeconds(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestShedCanceledRequestIsNoSample: a request whose client went away
// (its ctx canceled) often returns at once, without calling the
// dependency; its latency must not reach an adaptive limiter, where one
// such sample would set Vegas's latency without a queue near zero for a
// minute or so and read every later call as queued.
func TestShedCanceledRequestIsNoSample(t *testing.T) {
	a, err := NewVegas()
	if err != nil {
		t.Fatal(err)
	}
	mw, err := Shed(a)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel() // the client goes away; the handler gives up at once
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	a.g.mu.Lock()
	n := a.win.n
	a.g.mu.Unlock()
	if n != 0 {
		t.Fatalf("samples after a request whose client went away = %d, want 0", n)
	}
	if s := a.Stats(); s.InFlight != 0 || s.Admitted != 1 {
		t.Fatalf("Stats() = %+v, want 1 admitted, none in flight", s)
	}
}
