package sim

import (
	"fmt"

	"github.com/holdfast-go/holdfast/internal/panics"
)

// A PanicError is returned by [Run] (and [Compare]) when the strategy's
// code panics (or calls [runtime.Goexit]) on one of the run's actors (the
// goroutines the simulator started, or that a package started through
// [Clock.Go]) or in a function run by [Clock.AfterFunc]. The panic is
// recovered on that goroutine, the run stops there, its other actors are
// ended (their deferred calls run), and the PanicError is returned, so
// that the caller sees the bug instead of a crash from a goroutine it
// cannot see.
type PanicError struct {
	// Value is the value passed to panic. For runtime.Goexit it is an error
	// naming runtime.Goexit.
	Value any
	// Stack is the stack of the panicking goroutine, as [runtime/debug.Stack]
	// formats it.
	Stack []byte
}

var _ error = (*PanicError)(nil)

// newPanicError wraps a value from recover; nil means the goroutine is
// exiting through runtime.Goexit. It must run in the deferred function, so
// that the stack still shows where the panic happened.
func newPanicError(v any) *PanicError {
	value, stack := panics.Capture(v)
	return &PanicError{Value: value, Stack: stack}
}

// Error returns "sim: panic: " and the panic value, on one line; the
// stack is in [PanicError.Stack], for those who log it.
func (e *PanicError) Error() string {
	return fmt.Sprintf("sim: panic: %v", e.Value)
}

// Unwrap returns the panic value if it is an error, so that [errors.Is] and
// [errors.As] see through a panic(err).
func (e *PanicError) Unwrap() error { return panics.Unwrap(e.Value) }
