package retry

import (
	"math"
	"net/http"
	"time"
)

// ParseRetryAfter parses the value of a Retry-After header (RFC 9110,
// section 10.2.3) received at now: a number of seconds, or an HTTP date,
// which gives the time from now until then (0 for a date in the past). It
// reports false for anything else, a negative number included. A number of
// seconds too large for a Duration gives the largest Duration. It takes
// the time as a value so that it is a pure calculation; [Transport] calls
// it with time.Now().
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	if value == "" {
		return 0, false
	}
	if d, ok := parseSeconds(value); ok {
		return d, true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// parseSeconds parses value as a whole number of seconds, saturating at
// the largest Duration.
func parseSeconds(value string) (time.Duration, bool) {
	const limit = math.MaxInt64 / int64(time.Second)
	var n int64
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > limit {
			continue // saturated; keep checking the digits
		}
		n = n*10 + int64(c-'0')
	}
	if n > limit {
		return math.MaxInt64, true
	}
	return time.Duration(n) * time.Second, true
}
