package queue

import (
	"errors"
	"fmt"

	"github.com/holdfast-go/holdfast/internal/panics"
)

var (
	// ErrFull is returned by [Queue.TryPut] when the queue is full, and by
	// [Pool.Submit] and [Pool.TrySubmit] when the pool's queue is full and
	// its overflow policy is [Reject] (or, for TrySubmit, [Block]).
	ErrFull = errors.New("queue: full")

	// ErrEmpty is returned by [Queue.TryGet] when the queue is empty but not
	// closed.
	ErrEmpty = errors.New("queue: empty")

	// ErrClosed is returned by puts and submits once the queue or pool is
	// closed, by gets once a closed queue is drained, and by a second
	// [Pool.Shutdown].
	ErrClosed = errors.New("queue: closed")
)

// errNilContext is returned for a nil ctx (see CONTRIBUTING.md).
var errNilContext = errors.New("queue: nil Context")

// PanicError is the error a [Pool] reports when user code (the handler or
// the error hook) panics, or calls [runtime.Goexit], on one of its worker
// goroutines. It carries the value passed to panic and the stack of the
// panicking goroutine.
type PanicError struct {
	// Value is the value passed to panic. For runtime.Goexit it is an error
	// naming runtime.Goexit.
	Value any
	// Stack is the stack trace of the goroutine that panicked, as formatted
	// by [runtime/debug.Stack].
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

// Error returns "queue: panic: " and the panic value, on one line; the
// stack is in [PanicError.Stack], for those who log it.
func (e *PanicError) Error() string {
	return fmt.Sprintf("queue: panic: %v", e.Value)
}

// Unwrap returns the panic value if it is an error, so that
// errors.Is and errors.As see through a panic(err).
func (e *PanicError) Unwrap() error { return panics.Unwrap(e.Value) }
