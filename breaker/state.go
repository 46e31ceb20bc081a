package breaker

import "strconv"

// State is the state of a [Breaker].
type State uint32

// The states of a [Breaker]. Closed, Open and HalfOpen are the automatic
// cycle; ForcedOpen and Disabled are set by hand ([Breaker.ForceOpen],
// [Breaker.Disable]) and left only by [Breaker.Reset].
const (
	// StateClosed lets every call through and records its outcome.
	StateClosed State = iota
	// StateOpen rejects every call with [ErrOpen] until the open
	// duration has passed.
	StateOpen
	// StateHalfOpen lets a limited number of probe calls through and
	// rejects the others; the probes decide whether to close or reopen.
	StateHalfOpen
	// StateForcedOpen rejects every call until [Breaker.Reset].
	StateForcedOpen
	// StateDisabled lets every call through and records nothing until
	// [Breaker.Reset].
	StateDisabled
)

// String returns "closed", "open", "half-open", "forced-open" or
// "disabled".
func (s State) String() string {
	switch s {
	case StateClosed:
		return "closed"
	case StateOpen:
		return "open"
	case StateHalfOpen:
		return "half-open"
	case StateForcedOpen:
		return "forced-open"
	case StateDisabled:
		return "disabled"
	}
	return "State(" + strconv.FormatUint(uint64(s), 10) + ")"
}
