package retry

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{"007", 7 * time.Second, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Monday, 07-Dec-26 10:00:30 GMT", 30 * time.Second, true}, // RFC 850
		{"Mon Dec  7 10:01:00 2026", time.Minute, true},            // asctime
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999999999999999999", math.MaxInt64, true},
		{"18446744073709551616", math.MaxInt64, true}, // 2^64: wraps to 0 without the saturation
		{"9223372036", 9223372036 * time.Second, true},
		{"9223372037", math.MaxInt64, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{" 5", 0, false},
		{"5s", 0, false},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.value, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %t, want %v, %t", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "Sun, 06 Nov 1994 08:49:37 GMT", "-1", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		if d < 0 || (!ok && d != 0) {
			t.Errorf("ParseRetryAfter(%q) = %v, %t: want a delay >= 0, and 0 when not ok", s, d, ok)
		}
	})
}

func TestStatusError(t *testing.T) {
	resp := &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"4"}}}
	e := newStatusError(resp, time.Now())
	if e.Error() != "retry: server answered 503 Service Unavailable" || e.RetryAfter() != 4*time.Second {
		t.Errorf("newStatusError(503, Retry-After: 4) = %q with RetryAfter %v, want the status line and 4s", e.Error(), e.RetryAfter())
	}
	resp = &http.Response{StatusCode: 429, Status: "429 Slow Down", Header: http.Header{}}
	if e := newStatusError(resp, time.Now()); e.Error() != "retry: server answered 429 Slow Down" || e.RetryAfter() != -1 {
		t.Errorf("newStatusError(429) = %q with RetryAfter %v, want the status line and -1", e.Error(), e.RetryAfter())
	}
}
