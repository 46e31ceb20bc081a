package holdfastgrpc

import (
	"math"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
)

func TestPushback(t *testing.T) {
	tests := []struct {
		md   metadata.MD
		d    time.Duration
		ok   bool
		stop bool
	}{
		{md: nil},
		{md: metadata.Pairs("other", "1")},
		{md: metadata.Pairs(MetadataPushback, "0"), ok: true},
		{md: metadata.Pairs(MetadataPushback, "250"), d: 250 * time.Millisecond, ok: true},
		{md: metadata.Pairs(MetadataPushback, "-1"), stop: true},
		{md: metadata.Pairs(MetadataPushback, ""), stop: true},
		{md: metadata.Pairs(MetadataPushback, "1.5"), stop: true},
		{md: metadata.Pairs(MetadataPushback, " 5"), stop: true},
		{md: metadata.Pairs(MetadataPushback, "1", MetadataPushback, "2"), stop: true},
		{md: metadata.Pairs(MetadataPushback, "99999999999999999999"), d: math.MaxInt64, ok: true},
		{md: metadata.Pairs(MetadataPushback, "-99999999999999999999"), stop: true},
		{md: metadata.Pairs(MetadataPushback, "9223372036854"), d: 9223372036854 * time.Millisecond, ok: true},
		{md: metadata.Pairs(MetadataPushback, "9223372036855"), d: math.MaxInt64, ok: true},
	}
	for _, tt := range tests {
		d, ok, stop := pushback(tt.md)
		if d != tt.d || ok != tt.ok || stop != tt.stop {
			t.Errorf("pushback(%v) = %v, %v, %v, want %v, %v, %v", tt.md, d, ok, stop, tt.d, tt.ok, tt.stop)
		}
	}
}

func TestFormatPushback(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{-time.Second, "0"},
		{time.Nanosecond, "1"},
		{time.Millisecond, "1"},
		{1500 * time.Microsecond, "2"},
		{time.Second, "1000"},
	}
	for _, tt := range tests {
		if got := formatPushback(tt.d); got != tt.want {
			t.Errorf("formatPushback(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
