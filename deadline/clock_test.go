package deadline

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/clocktest"
	"github.com/holdfast-go/holdfast/internal/vclock"
)

var epoch = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// TestOn checks that the budget functions on a clock read its time and set
// deadlines that its timers end.
func TestOn(t *testing.T) {
	c := clocktest.New(epoch)
	k := On(c)
	ctx, cancel := vclock.WithDeadline(context.Background(), c, epoch.Add(time.Second))
	defer cancel()
	if rem, ok := k.Remaining(ctx); !ok || rem != time.Second {
		t.Errorf("Remaining() = %v, %v, want 1s, true", rem, ok)
	}
	if err := k.Require(ctx, 2*time.Second); !errors.Is(err, ErrInsufficientBudget) {
		t.Errorf("Require(2s) = %v, want ErrInsufficientBudget", err)
	}
	rctx, rcancel, err := k.Reserve(ctx, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer rcancel()
	fctx, fcancel, err := k.Fraction(ctx, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	defer fcancel()
	tctx, tcancel := k.Tighten(ctx, 100*time.Millisecond)
	defer tcancel()
	lctx, lcancel := k.WithTimeout(ctx, "db", 50*time.Millisecond)
	defer lcancel()
	tests := []struct {
		name string
		ctx  context.Context
		at   time.Duration
	}{
		{"WithTimeout", lctx, 50 * time.Millisecond},
		{"Tighten", tctx, 100 * time.Millisecond},
		{"Fraction", fctx, 500 * time.Millisecond},
		{"Reserve", rctx, 800 * time.Millisecond},
	}
	for _, tt := range tests {
		if dl, _ := tt.ctx.Deadline(); !dl.Equal(epoch.Add(tt.at)) {
			t.Errorf("%s: Deadline() = %v, want %v", tt.name, dl, epoch.Add(tt.at))
		}
	}
	c.Advance(50 * time.Millisecond)
	if layer, ok := Layer(context.Cause(lctx)); !ok || layer != "db" || !errors.Is(lctx.Err(), context.DeadlineExceeded) {
		t.Errorf("after 50ms on the clock: Cause = %v, Err = %v, want the db layer's timeout", context.Cause(lctx), lctx.Err())
	}
	if tctx.Err() != nil {
		t.Errorf("Tighten's context ended at 50ms, want at 100ms")
	}
	c.Advance(750 * time.Millisecond)
	for _, tt := range tests {
		if tt.ctx.Err() == nil {
			t.Errorf("%s: not done after 800ms on the clock", tt.name)
		}
	}
}

// TestMiddlewareClock checks that the middleware's timeout is on the clock.
func TestMiddlewareClock(t *testing.T) {
	c := clocktest.New(epoch)
	mw, err := Middleware(WithClock(c), WithDefaultTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var dl time.Time
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { dl, _ = r.Context().Deadline() }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if want := epoch.Add(time.Second); !dl.Equal(want) {
		t.Errorf("handler deadline = %v, want %v", dl, want)
	}
}

// TestTransportClock checks that the transport measures the time left on
// the clock.
func TestTransportClock(t *testing.T) {
	c := clocktest.New(epoch)
	var got string
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Header.Get(HeaderTimeout)
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	tr, err := Transport(base, WithClock(c), WithNetworkAllowance(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := vclock.WithDeadline(context.Background(), c, epoch.Add(300*time.Millisecond))
	defer cancel()
	req := httptest.NewRequest("GET", "http://x/", nil).WithContext(ctx)
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got != "300" {
		t.Errorf("%s = %q, want 300 (ms left on the clock)", HeaderTimeout, got)
	}
}

func TestWithClockNil(t *testing.T) {
	if _, err := Middleware(WithClock(nil)); err == nil {
		t.Errorf("Middleware(WithClock(nil)) = nil error, want one")
	}
}
