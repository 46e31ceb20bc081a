package limit

import "time"

// Stats is a snapshot of a [Bulkhead]'s or an [Adaptive] limiter's counts.
// Every call to Acquire or TryAcquire ends up in exactly one of Admitted,
// Rejected and Canceled.
type Stats struct {
	// Limit is the number of calls allowed in flight (for an adaptive
	// limiter, its limit now).
	Limit int
	// InFlight is the number of calls admitted and not yet released.
	InFlight int
	// Waiting is the number of calls waiting for a place.
	Waiting int
	// Admitted is the number of calls admitted, at once or after a wait.
	Admitted uint64
	// Rejected is the number of calls rejected with [ErrLimited]: at
	// once, or when their wait reached [WithMaxWait].
	Rejected uint64
	// Canceled is the number of calls whose ctx had ended, or ended while
	// they waited.
	Canceled uint64
	// Waited is the number of admitted calls that waited for a place.
	Waited uint64
	// WaitTime is the total time the calls counted in Waited waited.
	WaitTime time.Duration
}
