package idempotency

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestMiddlewareAnswers(t *testing.T) {
	tests := []struct {
		name    string
		opts    []MiddlewareOption
		headers []string // Idempotency-Key values
		body    string
		want    int
	}{
		{"missing, required", []MiddlewareOption{WithKeyRequired()}, nil, "", http.StatusBadRequest},
		{"repeated", nil, []string{"a", "b"}, "", http.StatusBadRequest},
		{"empty quoted", nil, []string{`""`}, "", http.StatusBadRequest},
		{"unterminated", nil, []string{`"abc`}, "", http.StatusBadRequest},
		{"bare with space", nil, []string{"a b"}, "", http.StatusBadRequest},
		{"control character", nil, []string{"\"a\x01\""}, "", http.StatusBadRequest},
		{"too long", nil, []string{strings.Repeat("k", MaxHeaderKeyLength+1)}, "", http.StatusBadRequest},
		{"body too large", []MiddlewareOption{WithMaxBodyBytes(4)}, []string{"k"}, "12345", http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var runs atomic.Int32
			h := newMW(t, newGroup(t), counting(&runs), tt.opts...)
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			for _, v := range tt.headers {
				r.Header.Add(HeaderKey, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want || runs.Load() != 0 {
				t.Fatalf("status = %d, handler ran %d times, want %d and 0", w.Code, runs.Load(), tt.want)
			}
			problemOf(t, w)
		})
	}
}

func TestMiddlewareKeyReusedOtherPayload(t *testing.T) {
	var runs atomic.Int32
	h := newMW(t, newGroup(t), counting(&runs))
	post(h, "k", "first")
	w := post(h, "k", "second")
	if w.Code != http.StatusUnprocessableEntity || runs.Load() != 1 {
		t.Fatalf("status = %d, runs %d, want 422 and 1", w.Code, runs.Load())
	}
	problemOf(t, w)
	// Another path with the same key and body is another request too.
	r := httptest.NewRequest(http.MethodPost, "/other", strings.NewReader("first"))
	r.Header.Set(HeaderKey, "k")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("other path: status = %d, want 422", w.Code)
	}
}

func TestMiddlewareInProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var runs atomic.Int32
		h := newMW(t, newGroup(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			runs.Add(1)
			<-release
			w.WriteHeader(http.StatusCreated)
		}), WithRetryAfter(1500*time.Millisecond))
		done := make(chan int)
		go func() { done <- post(h, "k", "x").Code }()
		synctest.Wait()
		w := post(h, "k", "x")
		if w.Code != http.StatusConflict || w.Header().Get("Retry-After") != "2" {
			t.Errorf("concurrent request: %d, Retry-After %q, want 409 and 2", w.Code, w.Header().Get("Retry-After"))
		}
		problemOf(t, w)
		if w := post(h, "k", "other"); w.Code != http.StatusUnprocessableEntity {
			t.Errorf("concurrent request with another body: %d, want 422", w.Code)
		}
		close(release)
		if code := <-done; code != http.StatusCreated {
			t.Errorf("first request: %d, want 201", code)
		}
		if runs.Load() != 1 {
			t.Errorf("handler ran %d times, want 1", runs.Load())
		}
	})
}

func TestMiddlewareOversizeResponse(t *testing.T) {
	var runs atomic.Int32
	big := strings.Repeat("x", 100)
	h := newMW(t, newGroup(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, big[:60])
		_, _ = io.WriteString(w, big[60:])
	}), WithMaxResponseBytes(99))
	if w := post(h, "k", ""); w.Code != http.StatusCreated || w.Body.String() != big {
		t.Fatalf("first: %d, %d bytes, want 201 and the whole body", w.Code, w.Body.Len())
	}
	w := post(h, "k", "")
	if w.Code != http.StatusGone || w.Header().Get(HeaderReplayed) != "true" || runs.Load() != 1 {
		t.Fatalf("repeat: %d, replayed %q, runs %d, want 410, true, 1", w.Code, w.Header().Get(HeaderReplayed), runs.Load())
	}
	if p := problemOf(t, w); p.OriginalStatus != http.StatusCreated {
		t.Errorf("original_status = %d, want 201", p.OriginalStatus)
	}
}

func TestMiddlewareServerErrors(t *testing.T) {
	tests := []struct {
		policy   ServerErrorPolicy
		wantRuns int32
	}{
		{ReplayServerErrors, 1},
		{ReleaseServerErrors, 2},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String(), func(t *testing.T) {
			var runs atomic.Int32
			h := newMW(t, newGroup(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				runs.Add(1)
				http.Error(w, "db down", http.StatusServiceUnavailable)
			}), WithServerErrors(tt.policy))
			for range 2 {
				if w := post(h, "k", ""); w.Code != http.StatusServiceUnavailable {
					t.Errorf("status = %d, want 503", w.Code)
				}
			}
			if runs.Load() != tt.wantRuns {
				t.Errorf("handler ran %d times, want %d", runs.Load(), tt.wantRuns)
			}
		})
	}
}

func TestMiddlewarePanicReleasesKey(t *testing.T) {
	var runs atomic.Int32
	h := newMW(t, newGroup(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			panic(http.ErrAbortHandler)
		}
		w.WriteHeader(http.StatusCreated)
	}))
	func() {
		defer func() { _ = recover() }()
		post(h, "k", "")
	}()
	if w := post(h, "k", ""); w.Code != http.StatusCreated || runs.Load() != 2 {
		t.Errorf("after a panic: %d, runs %d, want 201 and 2", w.Code, runs.Load())
	}
}

func TestMiddlewareStoreDown(t *testing.T) {
	down := errors.New("store down")
	s := &faultStore{Store: newMemory(t, 10)}
	s.set(&s.acquire, fail(down))
	var runs atomic.Int32
	var reported []error
	h := newMW(t, newGroup(t, WithStore(s)), counting(&runs), WithOnError(func(_ *http.Request, err error) {
		reported = append(reported, err)
	}))
	w := post(h, "k", "")
	if w.Code != http.StatusServiceUnavailable || runs.Load() != 0 {
		t.Errorf("store down: %d, runs %d, want 503 and 0", w.Code, runs.Load())
	}
	problemOf(t, w)
	if len(reported) != 1 || !errors.Is(reported[0], down) {
		t.Errorf("reported %v, want [%v]", reported, down)
	}
	open := newMW(t, newGroup(t, WithStore(s), WithFailOpen(func(string, error) {})), counting(&runs))
	if w := post(open, "k", ""); w.Code != http.StatusCreated || runs.Load() != 1 {
		t.Errorf("store down, fail open: %d, runs %d, want 201 and 1", w.Code, runs.Load())
	}
}

func TestMiddlewareRecordFails(t *testing.T) {
	// The handler responded; the record failed: report it, leave the
	// response alone.
	down := errors.New("store down")
	s := &faultStore{Store: newMemory(t, 10)}
	s.set(&s.complete, fail(down))
	var reported []error
	var runs atomic.Int32
	h := newMW(t, newGroup(t, WithStore(s)), counting(&runs), WithOnError(func(_ *http.Request, err error) {
		reported = append(reported, err)
	}))
	if w := post(h, "k", "x"); w.Code != http.StatusCreated || w.Body.String() != "x" {
		t.Errorf("response = %d %q, want 201 x", w.Code, w.Body)
	}
	if len(reported) != 1 || !errors.Is(reported[0], down) {
		t.Errorf("reported %v, want [%v]", reported, down)
	}
}

func TestMiddlewareBadOptions(t *testing.T) {
	g := newGroup(t)
	tests := []struct {
		name string
		g    *Group
		opt  MiddlewareOption
		want string
	}{
		{"nil group", nil, WithKeyRequired(), "nil Group"},
		{"nil option", g, nil, "nil MiddlewareOption"},
		{"no methods", g, WithMethods(), "WithMethods: no method given"},
		{"lower-case method", g, WithMethods("post"), `WithMethods: method must be an upper-case token, got "post"`},
		{"nil scope", g, WithScope(nil), "WithScope: scope must not be nil"},
		{"nil fingerprint", g, WithFingerprint(nil), "WithFingerprint: fingerprint must not be nil"},
		{"zero body", g, WithMaxBodyBytes(0), "WithMaxBodyBytes must be >= 1, got 0"},
		{"negative response", g, WithMaxResponseBytes(-1), "WithMaxResponseBytes must be >= 0, got -1"},
		{"policy", g, WithServerErrors(5), "WithServerErrors: unknown policy ServerErrorPolicy(5)"},
		{"retry after", g, WithRetryAfter(0), "WithRetryAfter must be >= 1s, got 0s"},
		{"nil report", g, WithOnError(nil), "WithOnError: report must not be nil"},
	}
	for _, tt := range tests {
		mw, err := Middleware(tt.g, tt.opt)
		if mw != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Middleware = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestMiddlewareBadScopeIsServerError(t *testing.T) {
	var runs atomic.Int32
	var reported error
	h := newMW(t, newGroup(t), counting(&runs),
		WithScope(func(*http.Request) string { return "bad\nscope" }),
		WithOnError(func(_ *http.Request, err error) { reported = err }))
	if w := post(h, "k", ""); w.Code != http.StatusInternalServerError || runs.Load() != 0 {
		t.Errorf("bad scope: %d, runs %d, want 500 and 0", w.Code, runs.Load())
	}
	if !errors.Is(reported, ErrInvalidKey) {
		t.Errorf("reported %v, want ErrInvalidKey", reported)
	}
}

func TestMiddlewareClientGone(t *testing.T) {
	s := &faultStore{Store: newMemory(t, 10)}
	s.set(&s.acquire, fail(context.Canceled))
	h := newMW(t, newGroup(t, WithStore(s)), http.NotFoundHandler())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	r.Header.Set(HeaderKey, "k")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Body.Len() != 0 {
		t.Errorf("answer to a client that is gone = %d %q, want nothing written", w.Code, w.Body)
	}
}
