package cache

import (
	"fmt"

	"github.com/holdfast-go/holdfast/internal/panics"
)

// PanicError is the error that [Cache.GetOrLoad] returns to every caller
// waiting for a load whose loader panicked or ended its goroutine through
// runtime.Goexit, and that [Cache.Close] returns if a hook did so on the
// Cache's own goroutine.
type PanicError struct {
	Value any    // the value passed to panic; for runtime.Goexit, an error saying so
	Stack []byte // the panicking goroutine's stack, from runtime/debug.Stack
}

var _ error = (*PanicError)(nil)

// newPanicError returns the PanicError for p, the result of recover() in
// a deferred function (nil: the goroutine is exiting through
// runtime.Goexit). It must be called from that deferred function.
func newPanicError(p any) *PanicError {
	v, stack := panics.Capture(p)
	return &PanicError{Value: v, Stack: stack}
}

// Error returns "cache: panic: " and the panic value; never the stack,
// which is in the Stack field.
func (e *PanicError) Error() string {
	return fmt.Sprintf("cache: panic: %v", e.Value)
}

// Unwrap returns the panic value if it is an error, else nil.
func (e *PanicError) Unwrap() error {
	return panics.Unwrap(e.Value)
}
