package idempotency

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// newMW wraps h in Middleware over g, failing t on an error.
func newMW(t testing.TB, g *Group, h http.Handler, opts ...MiddlewareOption) http.Handler {
	t.Helper()
	mw, err := Middleware(g, opts...)
	if err != nil {
		t.Fatalf("Middleware: %v", err)
	}
	return mw(h)
}

// post sends a POST with body and, unless key is "", an Idempotency-Key.
func post(h http.Handler, key, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
	if key != "" {
		r.Header.Set(HeaderKey, key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// counting returns a handler that counts its calls and answers 201 with
// the request body echoed.
func counting(n *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b)
	})
}

// problemOf decodes a problem details answer, failing t if it is not one.
func problemOf(t *testing.T, w *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body %q: %v", w.Body, err)
	}
	if p.Status != w.Code || p.Type != "about:blank" || p.Title != http.StatusText(w.Code) || p.Detail == "" {
		t.Errorf("problem = %+v, want status %d, about:blank, its title and a detail", p, w.Code)
	}
	return p
}

func TestMiddlewareReplayFidelity(t *testing.T) {
	// Through a real server, so that what is compared is what a client
	// receives: status, every header field and value, and the body.
	var runs atomic.Int32
	body := []byte("{\"id\":42}\x00\xff binary tail")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("Location", "/orders/42")
		w.Header().Set("X-Empty", "")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body[:5])
		_, _ = w.Write(body[5:])
		w.Header().Set("X-After-Status", "not sent, not recorded")
	})
	srv := httptest.NewServer(newMW(t, newGroup(t), h))
	defer srv.Close()
	do := func() (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/orders", strings.NewReader(`{"sku":"x"}`))
		req.Header.Set(HeaderKey, `"order-42"`)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	first, firstBody := do()
	second, secondBody := do()
	if runs.Load() != 1 {
		t.Fatalf("handler ran %d times, want 1", runs.Load())
	}
	if second.StatusCode != first.StatusCode || !bytes.Equal(secondBody, firstBody) || !bytes.Equal(firstBody, body) {
		t.Errorf("replay = %d %q, want %d %q", second.StatusCode, secondBody, first.StatusCode, firstBody)
	}
	if got := second.Header.Get(HeaderReplayed); got != "true" {
		t.Errorf("replay's %s = %q, want true", HeaderReplayed, got)
	}
	if first.Header.Get(HeaderReplayed) != "" {
		t.Errorf("first response has %s", HeaderReplayed)
	}
	want := first.Header.Clone()
	got := second.Header.Clone()
	for _, h := range []http.Header{want, got} {
		h.Del("Date")
		h.Del(HeaderReplayed)
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("replayed headers = %v, want %v", got, want)
	}
}

func TestMiddlewareKeyForms(t *testing.T) {
	// A quoted key and the same key sent bare are one key.
	var runs atomic.Int32
	h := newMW(t, newGroup(t), counting(&runs))
	for i, key := range []string{`"abc-1"`, `abc-1`, ` "abc-1";p=1 `} {
		w := post(h, key, "x")
		if w.Code != http.StatusCreated || (i > 0) != (w.Header().Get(HeaderReplayed) == "true") {
			t.Errorf("key %q: %d, replayed %q", key, w.Code, w.Header().Get(HeaderReplayed))
		}
	}
	if runs.Load() != 1 {
		t.Errorf("handler ran %d times, want 1", runs.Load())
	}
}

func TestMiddlewarePassesThrough(t *testing.T) {
	var runs atomic.Int32
	h := newMW(t, newGroup(t), counting(&runs))
	for range 2 {
		post(h, "", "no key")
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set(HeaderKey, "k")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if runs.Load() != 4 {
		t.Errorf("handler ran %d times, want 4 (no key, and GET, pass through)", runs.Load())
	}
	h = newMW(t, newGroup(t), counting(&runs), WithMethods(http.MethodPut))
	r := httptest.NewRequest(http.MethodPut, "/", strings.NewReader("x"))
	r.Header.Set(HeaderKey, "k")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if w := post(h, "k", "x"); w.Code != http.StatusCreated || w.Header().Get(HeaderReplayed) != "" {
		t.Errorf("POST under WithMethods(PUT): %d, replayed %q, want a pass-through", w.Code, w.Header().Get(HeaderReplayed))
	}
}

func TestMiddlewareKeepsBodyForHandler(t *testing.T) {
	var runs atomic.Int32
	h := newMW(t, newGroup(t), counting(&runs)) // counting echoes the body
	body := strings.Repeat("payload ", 1000)
	if w := post(h, "k", body); w.Body.String() != body {
		t.Errorf("handler read %d bytes, want the %d sent", w.Body.Len(), len(body))
	}
}

func TestMiddlewareScope(t *testing.T) {
	var runs atomic.Int32
	h := newMW(t, newGroup(t), counting(&runs), WithScope(func(r *http.Request) string {
		return r.Header.Get("X-User")
	}))
	send := func(user string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
		r.Header.Set(HeaderKey, "k")
		r.Header.Set("X-User", user)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	send("alice")
	if w := send("bob"); w.Header().Get(HeaderReplayed) != "" {
		t.Error("bob was replayed alice's response")
	}
	if w := send("alice"); w.Header().Get(HeaderReplayed) != "true" {
		t.Error("alice's repeat was not replayed")
	}
	if runs.Load() != 2 {
		t.Errorf("handler ran %d times, want 2", runs.Load())
	}
}

func TestMiddlewareTokenInContext(t *testing.T) {
	var token uint64
	h := newMW(t, newGroup(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ = Token(r.Context())
	}))
	post(h, "k", "")
	if token == 0 {
		t.Error("Token(request context) = 0, want the hold's token")
	}
}
