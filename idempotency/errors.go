package idempotency

import (
	"errors"
	"fmt"
	"time"
)

// Conditions a caller branches on, with errors.Is.
var (
	// ErrKeyReused means the key was first used with another fingerprint:
	// a different request payload under the same key. Nothing ran.
	ErrKeyReused = errors.New("idempotency: key reused with a different fingerprint")
	// ErrInProgress means another holder is running the key and the call
	// did not wait for it ([Reject]), or stopped waiting because its ctx
	// ended. The error is an [*InProgressError] carrying how long the
	// holder's lease has left.
	ErrInProgress = errors.New("idempotency: key in progress")
	// ErrLeaseLost means a holder no longer owns its key: its lease ran
	// out (it could not renew it in time) and another holder may have
	// taken the key over. It is the cause of fn's ctx when the lease is
	// lost (see [context.Cause]), and a [Store] returns it from Renew,
	// Complete and Release when the token no longer owns the key.
	ErrLeaseLost = errors.New("idempotency: lease lost")
	// ErrInvalidKey means a key is empty, longer than [MaxKeyLength] or
	// holds a control character.
	ErrInvalidKey = errors.New("idempotency: invalid key")
	// ErrInvalidFingerprint means a fingerprint is longer than
	// [MaxFingerprintLength].
	ErrInvalidFingerprint = errors.New("idempotency: invalid fingerprint")
	// ErrStore wraps every error of the [Store], so that a caller can
	// tell "the store failed" from "fn failed". A call whose ctx had
	// ended before it asked the Store fails with ctx's error instead.
	ErrStore = errors.New("idempotency: store failed")
)

// errNilContext, errNilGroup and errNilFunc report bad arguments to [Do].
var (
	errNilContext = errors.New("idempotency: nil Context")
	errNilGroup   = errors.New("idempotency: nil Group")
	errNilFunc    = errors.New("idempotency: nil fn")
)

// InProgressError is the error of a call that found its key held by
// another holder and did not (or no longer) wait. It matches
// [ErrInProgress] with errors.Is, and unwraps to the caller's context
// error when the call stopped waiting because its ctx ended.
type InProgressError struct {
	// RetryAfter is how long the holder's lease had left when the key was
	// last read: when the key is next worth asking for. It is at least 1ms.
	RetryAfter time.Duration
	// Err is the caller's context error (its cause, if it has one) when
	// the call gave up waiting, else nil.
	Err error
}

var _ error = (*InProgressError)(nil)

// Error returns "idempotency: key in progress (retry after 1.2s)", with the
// context error after a colon when there is one.
func (e *InProgressError) Error() string {
	s := fmt.Sprintf("%v (retry after %v)", ErrInProgress, e.RetryAfter)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is [ErrInProgress].
func (e *InProgressError) Is(target error) bool { return target == ErrInProgress }

// Unwrap returns Err.
func (e *InProgressError) Unwrap() error { return e.Err }

// FinalError marks an error of fn as a final outcome: [Do] records it like
// a result and replays it to every later call with the key, instead of
// releasing the key for a retry. Make one with [Final].
//
// A replayed FinalError carries the original error's text only: its Err is
// a new error with the same message, since an error's type and identity
// cannot be stored. Where callers must branch on a failure after a replay,
// return a result value that describes it instead of an error.
type FinalError struct {
	// Err is the error fn returned, or on a replay an error with its text.
	Err error
}

var _ error = (*FinalError)(nil)

// Final returns err marked as final (see [FinalError]), or nil for nil.
func Final(err error) error {
	if err == nil {
		return nil
	}
	return &FinalError{Err: err}
}

// Error returns the message of Err.
func (e *FinalError) Error() string {
	if e.Err == nil {
		return "idempotency: final error <nil>"
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *FinalError) Unwrap() error { return e.Err }

// storeError wraps an error of the Store's op so that it matches both
// [ErrStore] and the Store's own error.
func storeError(op string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrStore, op, err)
}
