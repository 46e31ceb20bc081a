package redis

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/holdfast-go/holdfast/internal/redistest"
)

func TestMiddlewareAcrossReplicas(t *testing.T) {
	// A request handled by replica A is replayed by replica B, headers and
	// body included, and a reused key is refused there too.
	srv := redistest.Start(t)
	var runs atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		w.Header().Set("Location", "/orders/1")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("order 1\x00"))
	})
	replica := func() http.Handler {
		mw, err := idempotency.Middleware(newGroup(t, newStore(t, newClient(t, srv.Addr()))))
		if err != nil {
			t.Fatal(err)
		}
		return mw(handler)
	}
	a, b := replica(), replica()
	send := func(h http.Handler, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
		r.Header.Set(idempotency.HeaderKey, `"k-1"`)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := send(a, "apple")
	again := send(b, "apple")
	if again.Code != first.Code || again.Body.String() != first.Body.String() ||
		again.Header().Get(idempotency.HeaderReplayed) != "true" ||
		again.Header().Get("Location") != "/orders/1" ||
		strings.Join(again.Header().Values("Set-Cookie"), ",") != "a=1,b=2" {
		t.Errorf("replay on B = %d %v %q, want A's %d %v %q", again.Code, again.Header(), again.Body, first.Code, first.Header(), first.Body)
	}
	if w := send(b, "pear"); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("key reused on B: %d, want 422", w.Code)
	}
	if runs.Load() != 1 {
		t.Errorf("handler ran %d times across replicas, want 1", runs.Load())
	}
}
