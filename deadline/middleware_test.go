package deadline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// serve runs one request with headers h through the middleware built with
// opts, and reports the handler's budget, whether it ran, and the status.
func serve(t *testing.T, opts []MiddlewareOption, h http.Header) (budget time.Duration, called bool, rec *httptest.ResponseRecorder) {
	t.Helper()
	mw, err := Middleware(opts...)
	if err != nil {
		t.Fatalf("Middleware(%v) error %v", opts, err)
	}
	handler := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		budget, _ = Remaining(r.Context())
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header = h
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return budget, called, rec
}

func TestMiddlewareBudget(t *testing.T) {
	const def, maxT = DefaultTimeout, DefaultMaxTimeout
	ms := func(v ...string) http.Header { return http.Header{HeaderTimeout: v} }
	grpc := func(v string) http.Header { return http.Header{HeaderGRPCTimeout: {v}} }
	both := func(m, g string) http.Header { return http.Header{HeaderTimeout: {m}, HeaderGRPCTimeout: {g}} }
	tests := []struct {
		name   string
		opts   []MiddlewareOption
		header http.Header
		want   time.Duration // under the default policy
		reject bool          // whether WithRejectInvalid(true) answers 400
	}{
		{"absent", nil, nil, def, false},
		{"millis", nil, ms("250"), 250 * time.Millisecond, false},
		{"zero", nil, ms("0"), 0, false},
		{"capped", nil, ms("60000"), maxT, false},
		{"largest millis capped", nil, ms("99999999"), maxT, false},
		{"grpc", nil, grpc("100m"), 100 * time.Millisecond, false},
		{"grpc huge clamped then capped", nil, grpc("99999999H"), maxT, false},
		{"both, grpc smaller", nil, both("500", "100m"), 100 * time.Millisecond, false},
		{"both, millis smaller", nil, both("100", "5S"), 100 * time.Millisecond, false},
		{"grpc turned off", []MiddlewareOption{WithGRPCTimeout(false)}, grpc("100m"), def, false},
		{"custom header", []MiddlewareOption{WithHeader("x-budget-ms")}, http.Header{"X-Budget-Ms": {"40"}}, 40 * time.Millisecond, false},
		{"custom header ignores the default one", []MiddlewareOption{WithHeader("X-Budget-Ms")}, ms("40"), def, false},
		{"custom default", []MiddlewareOption{WithDefaultTimeout(2 * time.Second)}, nil, 2 * time.Second, false},
		{"default capped by max", []MiddlewareOption{WithMaxTimeout(time.Second)}, nil, time.Second, false},
		{"custom max", []MiddlewareOption{WithMaxTimeout(time.Second)}, ms("5000"), time.Second, false},
		{"malformed", nil, ms("abc"), def, true},
		{"negative", nil, ms("-5"), def, true},
		{"overlong", nil, ms("100000000"), def, true},
		{"overflow", nil, ms("18446744073709551616"), def, true},
		{"empty", nil, ms(""), def, true},
		{"with unit", nil, ms("5s"), def, true},
		{"fraction", nil, ms("1.5"), def, true},
		{"spaces", nil, ms(" 5"), def, true},
		{"repeated", nil, ms("100", "200"), def, true},
		{"comma list", nil, ms("100,200"), def, true},
		{"grpc unknown unit", nil, grpc("5x"), def, true},
		{"grpc missing unit", nil, grpc("5"), def, true},
		{"grpc overlong", nil, grpc("100000000n"), def, true},
		{"grpc negative", nil, grpc("-5S"), def, true},
		{"bad millis, good grpc", nil, both("abc", "100m"), 100 * time.Millisecond, true},
		{"good millis, bad grpc", nil, both("100", "abc"), 100 * time.Millisecond, true},
		{"bad grpc turned off", []MiddlewareOption{WithGRPCTimeout(false)}, both("100", "abc"), 100 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				got, called, rec := serve(t, tt.opts, tt.header)
				if !called || got != tt.want || rec.Code != http.StatusOK {
					t.Errorf("ignore policy: budget %v, called %v, status %d, want %v, true, 200", got, called, rec.Code, tt.want)
				}
				opts := append(tt.opts[:len(tt.opts):len(tt.opts)], WithRejectInvalid(true))
				got, called, rec = serve(t, opts, tt.header)
				switch {
				case tt.reject && (called || rec.Code != http.StatusBadRequest):
					t.Errorf("reject policy: called %v, status %d, want false, 400", called, rec.Code)
				case !tt.reject && (!called || got != tt.want || rec.Code != http.StatusOK):
					t.Errorf("reject policy: budget %v, called %v, status %d, want %v, true, 200", got, called, rec.Code, tt.want)
				}
			})
		})
	}
}

func TestMiddlewareRejectBody(t *testing.T) {
	_, _, rec := serve(t, []MiddlewareOption{WithRejectInvalid(true)}, http.Header{HeaderTimeout: {"abc"}})
	want := "deadline: bad Request-Timeout header: not a decimal number"
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		t.Errorf("400 body = %q, want %q", got, want)
	}
}

func TestMiddlewareBudgetError(t *testing.T) {
	m := &middleware{config: config{header: HeaderTimeout, grpcRead: true, reject: true, max: time.Second, def: time.Second}}
	_, err := m.budget(http.Header{HeaderGRPCTimeout: {"5"}})
	if !errors.Is(err, ErrInvalidTimeout) {
		t.Errorf("budget(bad grpc) error = %v, want ErrInvalidTimeout", err)
	}
}

func TestMiddlewareExpiry(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"from header", http.Header{HeaderTimeout: {"250"}}, 250 * time.Millisecond},
		{"default", nil, DefaultTimeout},
		{"capped", http.Header{HeaderTimeout: {"99999999"}}, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mw, err := Middleware(WithLayer("edge"), WithMaxTimeout(time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				var elapsed time.Duration
				var cause error
				h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					start := time.Now()
					<-r.Context().Done()
					elapsed, cause = time.Since(start), context.Cause(r.Context())
				}))
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.Header = tt.header
				h.ServeHTTP(httptest.NewRecorder(), req)
				var te *TimeoutError
				if !errors.As(cause, &te) || te.Layer != "edge" || te.Timeout != tt.want {
					t.Errorf("Cause = %v, want a *TimeoutError{edge, %v}", cause, tt.want)
				}
				if !errors.Is(cause, context.DeadlineExceeded) || elapsed != tt.want {
					t.Errorf("handler ctx done after %v with %v, want %v and DeadlineExceeded", elapsed, cause, tt.want)
				}
			})
		})
	}
}

func TestMiddlewareKeepsEarlierDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mw, err := Middleware()
		if err != nil {
			t.Fatal(err)
		}
		var got time.Duration
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, _ = Remaining(r.Context())
		}))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
		req.Header.Set(HeaderTimeout, "5000")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if got != time.Second {
			t.Errorf("budget under an earlier 1s deadline with a 5s header = %v, want 1s", got)
		}
	})
}

func TestMiddlewareParseNoAlloc(t *testing.T) {
	m := &middleware{config: config{header: HeaderTimeout, grpcRead: true, max: time.Minute, def: time.Second}}
	h := http.Header{HeaderTimeout: {"250"}, HeaderGRPCTimeout: {"100m"}}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := m.budget(h); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("budget allocs = %v, want 0", allocs)
	}
}

// FuzzMiddlewareBudget checks that whatever the headers, the budget is
// within [0, max], and an error comes only under the reject policy.
func FuzzMiddlewareBudget(f *testing.F) {
	f.Add("250", "100m", false, false)
	f.Add("99999999", "99999999H", false, true)
	f.Add("-1", "5x", true, false)
	f.Add("", "", true, true)
	f.Fuzz(func(t *testing.T, millis, grpc string, repeat, reject bool) {
		const maxT = 5 * time.Second
		for _, policy := range []bool{false, reject} {
			m := &middleware{config: config{header: HeaderTimeout, grpcRead: true, reject: policy, max: maxT, def: time.Second}}
			h := http.Header{HeaderTimeout: {millis}, HeaderGRPCTimeout: {grpc}}
			if repeat {
				h[HeaderTimeout] = append(h[HeaderTimeout], grpc)
			}
			d, err := m.budget(h)
			if err != nil && !policy {
				t.Fatalf("budget(%q, %q) error %v under the ignore policy", millis, grpc, err)
			}
			if err == nil && (d < 0 || d > maxT) {
				t.Fatalf("budget(%q, %q) = %v, want within [0, %v]", millis, grpc, d, maxT)
			}
			if err != nil && !errors.Is(err, ErrInvalidTimeout) {
				t.Fatalf("budget(%q, %q) error %v, want ErrInvalidTimeout", millis, grpc, err)
			}
		}
	})
}

// TestMiddlewareFirstEndWins checks that the request context reports
// whichever came first of its deadline, its parent's cancellation (the
// client going away) and the handler's return, also when the first look at
// it comes after all of them, from a goroutine the handler left behind.
func TestMiddlewareFirstEndWins(t *testing.T) {
	errGone := errors.New("client gone")
	timeout := &TimeoutError{Layer: DefaultLayer, Timeout: time.Second}
	const never = time.Hour
	tests := []struct {
		name               string
		cancelAt, returnAt time.Duration // the budget is 1s
		wantErr            error
		wantCause          error
	}{
		{"deadline, then client gone", 1500 * time.Millisecond, 3 * time.Second, context.DeadlineExceeded, timeout},
		{"client gone, then deadline", 500 * time.Millisecond, 3 * time.Second, context.Canceled, errGone},
		{"deadline only", never, 3 * time.Second, context.DeadlineExceeded, timeout},
		{"return, then deadline", never, 500 * time.Millisecond, context.Canceled, context.Canceled},
		{"return, then client gone", 700 * time.Millisecond, 500 * time.Millisecond, context.Canceled, context.Canceled},
		{"deadline, then return", never, 1500 * time.Millisecond, context.DeadlineExceeded, timeout},
		{"deadline, return, client gone", 1700 * time.Millisecond, 1500 * time.Millisecond, context.DeadlineExceeded, timeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mw, err := Middleware()
				if err != nil {
					t.Fatal(err)
				}
				var gotErr, gotCause error
				looked := make(chan struct{})
				h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					ctx := r.Context()
					go func() {
						defer close(looked)
						time.Sleep(5 * time.Second) // after everything else
						gotErr, gotCause = ctx.Err(), context.Cause(ctx)
					}()
					time.Sleep(tt.returnAt) // work that does not look at ctx
				}))
				parent, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				defer time.AfterFunc(tt.cancelAt, func() { cancel(errGone) }).Stop()
				req := httptest.NewRequestWithContext(parent, http.MethodGet, "/", nil)
				req.Header.Set(HeaderTimeout, "1000")
				h.ServeHTTP(httptest.NewRecorder(), req)
				<-looked
				if gotErr != tt.wantErr || fmt.Sprint(gotCause) != tt.wantCause.Error() {
					t.Errorf("Err, Cause = %v, %v, want %v, %v", gotErr, gotCause, tt.wantErr, tt.wantCause)
				}
			})
		})
	}
}
