package breaker

import (
	"errors"
	"fmt"
	"time"
)

// ErrOpen is matched (with [errors.Is]) by every error of a call the
// breaker rejected. The error itself is an [*OpenError] that says when to
// try again.
var ErrOpen = errors.New("breaker: open")

// errNilContext is returned by [Breaker.Do] and [Execute] for a nil ctx
// (see CONTRIBUTING.md).
var errNilContext = errors.New("breaker: nil Context")

// errNilFunc is returned by [Breaker.Do] and [Execute] when fn is nil.
var errNilFunc = errors.New("breaker: nil fn passed to Do or Execute")

// OpenError is the error of a call rejected by the breaker. It unwraps to
// [ErrOpen]. The rejections of a half-open or forced-open breaker share one
// OpenError value: treat it as read-only.
//
// Its [OpenError.RetryAfter] method gives a retry loop the time until the
// next probe, so that a retry of a rejected call waits for the probe (or
// gives up when the probe comes too late) instead of being rejected again
// at once: holdfast's retry package, whose RetryAfterer interface the
// method satisfies, does this without either package importing the other.
type OpenError struct {
	// Name is the breaker's name ([WithName]).
	Name string
	// State is the state that rejected the call: [StateOpen],
	// [StateHalfOpen] (every probe place taken) or [StateForcedOpen].
	State State
	// Wait is how long until the breaker lets the next probe through. It
	// is zero in the half-open state (probes are under way; try again
	// shortly) and when forced open (no probe is scheduled).
	Wait time.Duration
}

var _ error = (*OpenError)(nil)

// Error describes the rejection, for example
// `breaker: "db" open, next probe in 4.5s`.
func (e *OpenError) Error() string {
	name := ""
	if e.Name != "" {
		name = fmt.Sprintf(" %q", e.Name)
	}
	switch e.State {
	case StateHalfOpen:
		return fmt.Sprintf("breaker:%s half-open, probes under way", name)
	case StateForcedOpen:
		return fmt.Sprintf("breaker:%s forced open", name)
	}
	return fmt.Sprintf("breaker:%s open, next probe in %v", name, e.Wait)
}

// Unwrap returns [ErrOpen].
func (e *OpenError) Unwrap() error { return ErrOpen }

// RetryAfter returns how long a caller should wait before calling again: in
// the open state, [OpenError.Wait], the time until the next probe. In the
// half-open and forced-open states it returns -1, no hint: probes are under
// way, or none is scheduled, so the caller's own backoff decides (a retry
// loop that treats a negative hint as none, as holdfast's retry does, does
// not retry at once).
func (e *OpenError) RetryAfter() time.Duration {
	if e.State == StateOpen {
		return e.Wait
	}
	return -1
}
