package deadline

import (
	"errors"
	"math"
	"strconv"
	"testing"
	"time"
)

func TestParseMillis(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr error
	}{
		{"0", 0, nil},
		{"1", time.Millisecond, nil},
		{"250", 250 * time.Millisecond, nil},
		{"007", 7 * time.Millisecond, nil},
		{"99999999", 99999999 * time.Millisecond, nil},
		{"", 0, errEmpty},
		{"100000000", 0, errTooLong},
		{"999999999999999999999999", 0, errTooLong},
		{"-5", 0, errDigit},
		{"+5", 0, errDigit},
		{" 5", 0, errDigit},
		{"5 ", 0, errDigit},
		{"5ms", 0, errDigit},
		{"1.5", 0, errDigit},
		{"1e3", 0, errDigit},
		{"0x10", 0, errDigit},
		{"5,6", 0, errDigit},
		{"١٢", 0, errDigit}, // Arabic-Indic digits are not ASCII digits
		{"\x00", 0, errDigit},
	}
	for _, tt := range tests {
		got, err := parseMillis(tt.in)
		if got != tt.want || err != tt.wantErr {
			t.Errorf("parseMillis(%q) = %v, %v, want %v, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidTimeout) {
			t.Errorf("parseMillis(%q) error %v does not match ErrInvalidTimeout", tt.in, err)
		}
	}
}

func TestAppendMillis(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0"},
		{-time.Second, "0"},
		{time.Millisecond - 1, "0"},
		{time.Millisecond, "1"},
		{1999 * time.Microsecond, "1"},
		{1500 * time.Millisecond, "1500"},
		{99999999 * time.Millisecond, "99999999"},
		{100000000 * time.Millisecond, "99999999"},
		{math.MaxInt64, "99999999"},
	}
	for _, tt := range tests {
		if got := string(appendMillis(nil, tt.in)); got != tt.want {
			t.Errorf("appendMillis(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseGRPCTimeout(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr error
	}{
		{"0n", 0, nil},
		{"1n", 1, nil},
		{"100m", 100 * time.Millisecond, nil},
		{"250u", 250 * time.Microsecond, nil},
		{"5S", 5 * time.Second, nil},
		{"2M", 2 * time.Minute, nil},
		{"1H", time.Hour, nil},
		{"99999999n", 99999999, nil},
		{"99999999M", 99999999 * time.Minute, nil},
		{"2562047H", 2562047 * time.Hour, nil},
		{"2562048H", math.MaxInt64, nil}, // overflows: clamped
		{"99999999H", math.MaxInt64, nil},
		{"", 0, errEmpty},
		{"m", 0, errEmpty},
		{"5", 0, errUnit},
		{"5s", 0, errUnit},
		{"5h", 0, errUnit},
		{"5x", 0, errUnit},
		{"5ms", 0, errUnit},
		{"5mm", 0, errDigit},
		{"100000000n", 0, errTooLong},
		{"-5S", 0, errDigit},
		{"+5S", 0, errDigit},
		{" 5S", 0, errDigit},
		{"5 S", 0, errDigit},
		{"1.5S", 0, errDigit},
	}
	for _, tt := range tests {
		got, err := ParseGRPCTimeout(tt.in)
		if got != tt.want || err != tt.wantErr {
			t.Errorf("ParseGRPCTimeout(%q) = %v, %v, want %v, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidTimeout) {
			t.Errorf("ParseGRPCTimeout(%q) error %v does not match ErrInvalidTimeout", tt.in, err)
		}
	}
}

func TestFormatGRPCTimeout(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0n"},
		{-time.Second, "0n"},
		{1, "1n"},
		{99999999, "99999999n"},
		{100 * time.Millisecond, "100000u"},
		{100*time.Millisecond + 999, "100000u"}, // truncated, never rounded up
		{99999999 * time.Microsecond, "99999999u"},
		{100 * time.Second, "100000m"},
		{99999999 * time.Millisecond, "99999999m"},
		{100000 * time.Second, "100000S"},
		{99999999 * time.Second, "99999999S"},
		{99999999 * time.Minute, "99999999M"},
		{100000000 * time.Minute, "1666666H"},
		{math.MaxInt64, "2562047H"},
	}
	for _, tt := range tests {
		if got := FormatGRPCTimeout(tt.in); got != tt.want {
			t.Errorf("FormatGRPCTimeout(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeaderErrorString(t *testing.T) {
	want := "deadline: invalid timeout header: empty value"
	if got := errEmpty.Error(); got != want {
		t.Errorf("errEmpty.Error() = %q, want %q", got, want)
	}
}

// FuzzParseMillis checks that parseMillis never panics, never returns a
// negative or overlong duration, and that valid values round-trip.
func FuzzParseMillis(f *testing.F) {
	for _, s := range []string{"0", "250", "007", "99999999", "100000000", "", "-5", "+5", " 5", "5ms", "1e3", "١", "18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseMillis(s)
		if err != nil {
			if d != 0 || !errors.Is(err, ErrInvalidTimeout) {
				t.Fatalf("parseMillis(%q) = %v, %v, want 0 and an ErrInvalidTimeout", s, d, err)
			}
			return
		}
		if d < 0 || d > maxValue*time.Millisecond || d%time.Millisecond != 0 {
			t.Fatalf("parseMillis(%q) = %v, out of range", s, d)
		}
		n, _ := strconv.ParseUint(s, 10, 64)
		if time.Duration(n)*time.Millisecond != d {
			t.Fatalf("parseMillis(%q) = %v, strconv says %dms", s, d, n)
		}
		back, err := parseMillis(string(appendMillis(nil, d)))
		if back != d || err != nil {
			t.Fatalf("parseMillis(appendMillis(%v)) = %v, %v, want %v", d, back, err, d)
		}
	})
}

// FuzzParseGRPCTimeout checks that ParseGRPCTimeout never panics, never
// returns a negative duration, and that valid values round-trip.
func FuzzParseGRPCTimeout(f *testing.F) {
	for _, s := range []string{"0n", "100m", "5S", "1H", "99999999H", "2562048H", "100000000n", "", "5", "5s", "-5S", "1.5S", "5 S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseGRPCTimeout(s)
		if err != nil {
			if d != 0 || !errors.Is(err, ErrInvalidTimeout) {
				t.Fatalf("ParseGRPCTimeout(%q) = %v, %v, want 0 and an ErrInvalidTimeout", s, d, err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseGRPCTimeout(%q) = %v, negative", s, d)
		}
		if d == math.MaxInt64 { // clamped: formatting truncates it
			return
		}
		f := FormatGRPCTimeout(d)
		back, err := ParseGRPCTimeout(f)
		if back != d || err != nil {
			t.Fatalf("ParseGRPCTimeout(FormatGRPCTimeout(%v) = %q) = %v, %v, want %v", d, f, back, err, d)
		}
	})
}

// FuzzFormatGRPCTimeout checks that every duration formats to a value that
// parses, truncated to its unit and never above the duration.
func FuzzFormatGRPCTimeout(f *testing.F) {
	for _, d := range []int64{0, -1, 1, 99999999, 100000000, int64(time.Hour), math.MaxInt64, math.MinInt64} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		d := time.Duration(n)
		s := FormatGRPCTimeout(d)
		got, err := ParseGRPCTimeout(s)
		if err != nil {
			t.Fatalf("ParseGRPCTimeout(FormatGRPCTimeout(%v) = %q) error %v", d, s, err)
		}
		unit := time.Duration(1)
		for _, u := range grpcUnits {
			if u.letter == s[len(s)-1] {
				unit = u.unit
				break
			}
			if max(d, 0)/u.unit <= maxValue {
				t.Fatalf("FormatGRPCTimeout(%v) = %q, a finer unit %c fits", d, s, u.letter)
			}
		}
		want := max(d, 0) / unit * unit
		if got != want {
			t.Fatalf("ParseGRPCTimeout(FormatGRPCTimeout(%v) = %q) = %v, want %v", d, s, got, want)
		}
	})
}
