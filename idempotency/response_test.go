package idempotency

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestRecorderRoundTrip(t *testing.T) {
	w := httptest.NewRecorder()
	r := newRecorder(w, 10)
	r.Header().Add("A", "1")
	r.Header().Add("A", "2")
	r.Header().Set("B", "")
	r.WriteHeader(http.StatusEarlyHints) // 1xx: not recorded
	r.WriteHeader(http.StatusAccepted)
	r.Header().Set("C", "after the status")
	_, _ = r.Write([]byte("0123456789"))
	resp, err := decodeResponse(r.encode())
	if err != nil {
		t.Fatal(err)
	}
	if resp.status != http.StatusAccepted || string(resp.body) != "0123456789" || resp.oversize {
		t.Errorf("decoded = %d %q oversize %v, want 202 0123456789 false", resp.status, resp.body, resp.oversize)
	}
	if !slices.Equal(resp.header["A"], []string{"1", "2"}) || len(resp.header["B"]) != 1 || resp.header["C"] != nil {
		t.Errorf("decoded header = %v, want A: [1 2], B: [\"\"], no C", resp.header)
	}
}

func TestRecorderOversize(t *testing.T) {
	r := newRecorder(httptest.NewRecorder(), 10)
	_, _ = r.Write([]byte("0123456789"))
	_, _ = r.Write([]byte("x"))
	resp, err := decodeResponse(r.encode())
	if err != nil {
		t.Fatal(err)
	}
	if !resp.oversize || resp.status != http.StatusOK || resp.size != 11 || resp.body != nil {
		t.Errorf("decoded = %+v, want an oversize 200 of 11 bytes without a body", resp)
	}
}

func TestRecorderImplicitStatus(t *testing.T) {
	r := newRecorder(httptest.NewRecorder(), 10)
	r.Header().Set("A", "1")
	r.finish()
	resp, err := decodeResponse(r.encode())
	if err != nil || resp.status != http.StatusOK || resp.header.Get("A") != "1" {
		t.Errorf("decoded = %+v, %v, want 200 with A: 1", resp, err)
	}
}

func FuzzDecodeResponse(f *testing.F) {
	r := newRecorder(httptest.NewRecorder(), 100)
	r.Header().Add("K", "v")
	_, _ = r.Write([]byte("body"))
	f.Add(r.encode())
	f.Add([]byte{respVersion, respOversize, 200, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeResponse(b) // must not panic
	})
}
