package breaker

import "strconv"

// Outcome is what a call's result means to the breaker: a [Success], a
// [Failure], or [Ignored] (left out of the record). A [Transport]'s
// classifier ([WithClassifier]) returns one for each response.
type Outcome uint8

// The outcomes of a call.
const (
	// Success is recorded as a success: it ends a run of failures, and a
	// probe that succeeds counts towards closing a half-open breaker.
	Success Outcome = iota
	// Failure is recorded as a failure: it counts towards the trip rules,
	// and a probe that fails reopens the breaker.
	Failure
	// Ignored is not recorded; a probe that is ignored gives its place to
	// another.
	Ignored
)

// String returns "success", "failure" or "ignored".
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Ignored:
		return "ignored"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// mark returns the record of o (see [Breaker.mark]); a value other than
// the three outcomes is a success.
func (o Outcome) mark() uint32 {
	switch o {
	case Failure:
		return markCall | markFailure
	case Ignored:
		return 0
	}
	return markCall
}
