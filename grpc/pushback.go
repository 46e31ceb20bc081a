package holdfastgrpc

import (
	"math"
	"strconv"
	"time"

	"google.golang.org/grpc/metadata"
)

// MetadataPushback is the trailer key by which a gRPC server tells a client
// how long to wait before retrying, in milliseconds (gRFC A6, "Pushback"):
// a value >= 0 means retry after that long, a negative or malformed value
// means do not retry.
const MetadataPushback = "grpc-retry-pushback-ms"

// pushback reads the server's pushback from a trailer: the delay and true
// when there is one valid value, stop true when there is a value that says
// not to retry (negative, malformed, or more than one), and neither when
// the trailer has no pushback. A value too large for a Duration gives the
// largest Duration.
func pushback(md metadata.MD) (d time.Duration, ok, stop bool) {
	vs := md.Get(MetadataPushback)
	if len(vs) == 0 {
		return 0, false, false
	}
	if len(vs) > 1 {
		return 0, false, true
	}
	ms, err := strconv.ParseInt(vs[0], 10, 64)
	if err != nil && !isRange(err) || ms < 0 {
		return 0, false, true
	}
	if ms > math.MaxInt64/int64(time.Millisecond) {
		return math.MaxInt64, true, false
	}
	return time.Duration(ms) * time.Millisecond, true, false
}

// isRange reports whether err is strconv's out-of-range error, which
// ParseInt returns with the largest (or smallest) int64.
func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// formatPushback returns d in milliseconds, rounded up so that a client
// never retries before d has passed.
func formatPushback(d time.Duration) string {
	ms := max(d, 0) / time.Millisecond
	if ms*time.Millisecond < d {
		ms++
	}
	return strconv.FormatInt(int64(ms), 10)
}
