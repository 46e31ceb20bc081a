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
type OpenError struct {
	// Name is the breaker's name ([WithName]).
	Name string
	// State is the state that rejected the call: [StateOpen],
	// [StateHalfOpen] (every probe place taken) or [StateForcedOpen].
	State State
	// RetryAfter is how long until the breaker lets the next probe
	// through. It is zero in the half-open state (probes are under way;
	// try again shortly) and when forced open (no probe is scheduled).
	RetryAfter time.Duration
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
	return fmt.Sprintf("breaker:%s open, next probe in %v", name, e.RetryAfter)
}

// Unwrap returns [ErrOpen].
func (e *OpenError) Unwrap() error { return ErrOpen }
