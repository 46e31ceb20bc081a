package redis

import (
	"errors"
	"fmt"

	"github.com/holdfast-go/holdfast/internal/panics"
)

var (
	// ErrFull is returned by [Producer.Enqueue] and [Producer.EnqueueBatch]
	// when the stream holds [WithMaxLen] jobs that are not yet
	// acknowledged, so that trimming cannot make room without dropping
	// one. With [WithWaitWhenFull] Enqueue waits for room instead.
	ErrFull = errors.New("queue/redis: full")

	// ErrClosed is returned by a second [Consumer.Shutdown].
	ErrClosed = errors.New("queue/redis: closed")

	// ErrLeaseLost is the cause of a handler's ctx cancellation when the
	// consumer could not renew the entry's lease: another consumer
	// reclaimed it after the visibility timeout, or Redis could not be
	// reached for longer than that timeout. Read it with
	// context.Cause(ctx). The job may now run elsewhere: the handler
	// should stop.
	ErrLeaseLost = errors.New("queue/redis: lease lost")

	// ErrEvicting is returned by [NewProducer] and [NewConsumer] when
	// Redis's maxmemory-policy is not noeviction: such a Redis deletes
	// keys, jobs included, when it runs out of memory. [WithEvictionWarning]
	// makes it a logged warning instead.
	ErrEvicting = errors.New("queue/redis: Redis may evict keys (maxmemory-policy is not noeviction)")
)

// PanicError is the failure recorded for a job whose handler panicked (or
// called runtime.Goexit) on one of a [Consumer]'s workers. The job is
// retried or dead-lettered as after any other failure; the dead letter's
// error text holds the stack.
type PanicError struct {
	// Value is the value passed to panic; for runtime.Goexit, an error
	// naming runtime.Goexit.
	Value any
	// Stack is the stack of the goroutine that panicked, as formatted by
	// [runtime/debug.Stack].
	Stack []byte
}

var _ error = (*PanicError)(nil)

// newPanicError captures r, the result of recover, with the stack. It must
// be called from the deferred function itself.
func newPanicError(r any) *PanicError {
	v, stack := panics.Capture(r)
	return &PanicError{Value: v, Stack: stack}
}

// Error returns "queue/redis: panic: " and the value; the stack is in
// [PanicError.Stack].
func (e *PanicError) Error() string {
	return fmt.Sprintf("queue/redis: panic: %v", e.Value)
}

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error { return panics.Unwrap(e.Value) }
