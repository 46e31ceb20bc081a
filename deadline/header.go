package deadline

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// Budget headers.
//
// [HeaderTimeout] carries the budget as 1 to 8 ASCII decimal digits of
// milliseconds ("250" is a quarter of a second), with no sign, space, unit or
// fraction: the form is easy to produce and check in any language, and 8
// digits (about 27 hours) bound the value so that it never overflows.
//
// [HeaderGRPCTimeout] carries it in the gRPC wire encoding: 1 to 8 ASCII
// digits followed by one unit letter, H (hours), M (minutes), S (seconds),
// m (milliseconds), u (microseconds) or n (nanoseconds), as in "250m".
//
// Both are relative durations, never absolute times, so clock skew between
// hosts does not matter; the time a request spends on the network is what
// the transport's allowance ([WithNetworkAllowance]) is for.
const (
	HeaderTimeout     = "Request-Timeout"
	HeaderGRPCTimeout = "Grpc-Timeout"
)

// ErrInvalidTimeout is matched (with [errors.Is]) by every error the header
// parsers return.
var ErrInvalidTimeout = errors.New("deadline: invalid timeout header")

// headerError is a parse failure. It is a string constant, so returning one
// does not allocate.
type headerError string

const (
	errEmpty    headerError = "empty value"
	errTooLong  headerError = "more than 8 digits"
	errDigit    headerError = "not a decimal number"
	errUnit     headerError = "missing or unknown unit (want one of H M S m u n)"
	errRepeated headerError = "header repeated"
)

func (e headerError) Error() string { return "deadline: invalid timeout header: " + string(e) }

func (e headerError) Unwrap() error { return ErrInvalidTimeout }

const (
	maxDigits = 8
	maxValue  = 99_999_999 // the largest value of maxDigits digits
)

// parseDigits parses 1 to 8 ASCII decimal digits.
func parseDigits(s string) (int64, error) {
	if s == "" {
		return 0, errEmpty
	}
	if len(s) > maxDigits {
		return 0, errTooLong
	}
	var n int64
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, errDigit
		}
		n = n*10 + int64(d)
	}
	return n, nil
}

// parseMillis parses a [HeaderTimeout] value. The result is in
// [0, 99999999ms]; it does not allocate.
func parseMillis(s string) (time.Duration, error) {
	n, err := parseDigits(s)
	if err != nil {
		return 0, err
	}
	return time.Duration(n) * time.Millisecond, nil
}

// appendMillis appends d, truncated to whole milliseconds, in the
// [HeaderTimeout] form. A negative d is written as 0 and a d beyond 8 digits
// as 99999999, so that the result always parses.
func appendMillis(dst []byte, d time.Duration) []byte {
	return strconv.AppendInt(dst, int64(min(max(d, 0)/time.Millisecond, maxValue)), 10)
}

// grpcUnits lists the gRPC units from the finest to the coarsest.
var grpcUnits = [...]struct {
	letter byte
	unit   time.Duration
}{
	{'n', time.Nanosecond},
	{'u', time.Microsecond},
	{'m', time.Millisecond},
	{'S', time.Second},
	{'M', time.Minute},
	{'H', time.Hour},
}

// ParseGRPCTimeout parses a gRPC timeout ("100m", "5S", "30000000n"): 1 to 8
// ASCII digits and a unit letter. It never returns a negative duration, and
// it does not allocate. A value of hours too large for a [time.Duration]
// (above 2562047H) is clamped to the largest duration, as gRPC
// implementations do; the middleware then caps it with its maximum. Errors
// match [ErrInvalidTimeout].
func ParseGRPCTimeout(s string) (time.Duration, error) {
	if s == "" {
		return 0, errEmpty
	}
	unit := time.Duration(0)
	for _, u := range grpcUnits {
		if u.letter == s[len(s)-1] {
			unit = u.unit
			break
		}
	}
	if unit == 0 {
		return 0, errUnit
	}
	n, err := parseDigits(s[:len(s)-1])
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64/int64(unit) {
		return math.MaxInt64, nil
	}
	return time.Duration(n) * unit, nil
}

// AppendGRPCTimeout appends d in the gRPC timeout encoding to dst and returns
// the extended buffer. It uses the finest unit whose value fits in 8 digits
// and truncates to that unit, so the receiver never gets more time than d.
// A d <= 0 is written as "0n". For d below 100ms the encoding is exact, and
// [ParseGRPCTimeout] of the result always returns d truncated to its unit.
func AppendGRPCTimeout(dst []byte, d time.Duration) []byte {
	if d <= 0 {
		return append(dst, '0', 'n')
	}
	u := grpcUnits[len(grpcUnits)-1] // every time.Duration fits in 8 digits of hours
	for _, c := range grpcUnits {
		if d/c.unit <= maxValue {
			u = c
			break
		}
	}
	return append(strconv.AppendInt(dst, int64(d/u.unit), 10), u.letter)
}

// FormatGRPCTimeout returns d in the gRPC timeout encoding. It is shorthand
// for string(AppendGRPCTimeout(nil, d)), with at most one allocation, for
// the result; use [AppendGRPCTimeout] to write into a buffer of your own.
func FormatGRPCTimeout(d time.Duration) string {
	var buf [16]byte
	return string(AppendGRPCTimeout(buf[:0], d))
}
