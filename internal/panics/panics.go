// Package panics captures recovered panics for the PanicError types of
// holdfast's packages, so that every package reports them in one shape (see
// CONTRIBUTING.md): the value passed to panic, or for runtime.Goexit an
// error saying so, and the stack of the goroutine that panicked.
package panics

import (
	"errors"
	"runtime/debug"
)

// Goexit is the Value of a PanicError whose goroutine ended through
// runtime.Goexit (for example a t.FailNow in user code) rather than a panic.
// Each package's doc names it as "an error naming runtime.Goexit".
//
//lint:ignore ST1012 the name reads as the event it stands for (panics.Goexit), and packages on other branches use it already
var Goexit = errors.New("runtime.Goexit called")

// Capture returns the value and the stack to put in a PanicError for v, the
// result of recover(); a nil v means the goroutine is exiting through
// runtime.Goexit. It must be called from the deferred function itself, so
// that the stack still shows where the panic happened.
func Capture(v any) (value any, stack []byte) {
	if v == nil {
		v = Goexit
	}
	return v, debug.Stack()
}

// Unwrap returns v if it is an error, for a PanicError's Unwrap.
func Unwrap(v any) error {
	err, _ := v.(error)
	return err
}
