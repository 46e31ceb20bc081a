package lifecycle

import (
	"errors"
	"fmt"
	"time"

	"github.com/holdfast-go/holdfast/internal/panics"
)

var (
	// ErrShutdownStarted is returned by [Shutdown.Add] once the shutdown
	// has begun, and by [Task.Start] and [Supervisor.Go] once their
	// Shutdown has been called: nothing new starts during a shutdown.
	ErrShutdownStarted = errors.New("lifecycle: shutdown has begun")

	// ErrStarted is returned by a second [Task.Start].
	ErrStarted = errors.New("lifecycle: already started")

	// ErrLeaseHeld is returned by a [Lease]'s Run when another holder has
	// the lease; fn was not called.
	ErrLeaseHeld = errors.New("lifecycle: lease held elsewhere")

	// ErrLeaseLost is the cause of the ctx a [Lease] gives fn when the
	// lease is lost while fn runs (it expired, or its store no longer has
	// it), and the error its Run returns then.
	ErrLeaseLost = errors.New("lifecycle: lease lost")
)

// PanicError is the error reported when user code run on a goroutine of
// this package (a [Task]'s function, a supervised function, a shutdown
// stage) panics or calls runtime.Goexit. It carries the value passed to
// panic and the stack of the goroutine that panicked.
type PanicError struct {
	// Value is the value passed to panic; for runtime.Goexit, an error
	// naming runtime.Goexit.
	Value any
	// Stack is the stack of the goroutine that panicked, as formatted by
	// [runtime/debug.Stack].
	Stack []byte
}

var _ error = (*PanicError)(nil)

// Error returns the panic value; the stack is in [PanicError.Stack].
func (e *PanicError) Error() string {
	return fmt.Sprintf("lifecycle: panic: %v", e.Value)
}

// Unwrap returns the panic value if it is an error, so that errors.Is and
// errors.As see through a panic(err).
func (e *PanicError) Unwrap() error { return panics.Unwrap(e.Value) }

// newPanicError builds a PanicError from v, the result of recover(). It
// must be called from the deferred function itself (see panics.Capture).
func newPanicError(v any) *PanicError {
	value, stack := panics.Capture(v)
	return &PanicError{Value: value, Stack: stack}
}

// RestartLimitError is the error of a [Supervisor] whose function failed
// more often in a row than [WithRestartLimit] allows. It wraps the last
// failure.
type RestartLimitError struct {
	// Name is the name given to [Supervisor.Go].
	Name string
	// Restarts is how many times the function was restarted in a row
	// before its last failure.
	Restarts int
	// Err is the function's last failure (a *[PanicError] if it panicked).
	Err error
}

var _ error = (*RestartLimitError)(nil)

// Error names the function, the restarts and the last failure.
func (e *RestartLimitError) Error() string {
	return fmt.Sprintf("lifecycle: %q failed after %d restarts: %v", e.Name, e.Restarts, e.Err)
}

// Unwrap returns the last failure.
func (e *RestartLimitError) Unwrap() error { return e.Err }

// StageError is the error of one stage of a [Shutdown] that failed, as
// joined into the error [Shutdown.Run] returns. It wraps the stage's error.
type StageError struct {
	// Name is the stage's name.
	Name string
	// Err is the stage's error (a *[PanicError] if it panicked).
	Err error
	// Budget is the time the stage was given.
	Budget time.Duration
	// CutShort reports that the stage's budget ran out before it returned.
	CutShort bool
}

var _ error = (*StageError)(nil)

// Error names the stage and its error.
func (e *StageError) Error() string {
	if e.CutShort {
		return fmt.Sprintf("lifecycle: stage %q cut short after its %v: %v", e.Name, e.Budget, e.Err)
	}
	return fmt.Sprintf("lifecycle: stage %q: %v", e.Name, e.Err)
}

// Unwrap returns the stage's error.
func (e *StageError) Unwrap() error { return e.Err }
