package idempotency

import (
	"context"
	"strconv"
	"time"
)

// State is the state of a key that [Store.Acquire] found.
type State int

const (
	// Acquired means the key had no live record: the caller now holds it,
	// with a lease, under the fencing token in [Acquisition].Token.
	Acquired State = iota + 1
	// Completed means the key has a recorded result, in
	// [Acquisition].Value.
	Completed
	// InProgress means another holder holds the key and its lease has
	// [Acquisition].Remaining left.
	InProgress
)

// String returns the state's name, such as "Acquired".
func (s State) String() string {
	switch s {
	case Acquired:
		return "Acquired"
	case Completed:
		return "Completed"
	case InProgress:
		return "InProgress"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Acquisition is what [Store.Acquire] found under a key, and what it did.
type Acquisition struct {
	// State says which of the other fields are set.
	State State
	// Token is the fencing token of the caller's hold (Acquired): it is
	// greater than every token given out earlier for the key.
	Token uint64
	// Fingerprint is the fingerprint the key's record was made with
	// (Completed and InProgress).
	Fingerprint string
	// Value is the recorded result (Completed). Nobody modifies it after
	// Acquire returns it, the Store included: a Store may hand the same
	// bytes to every caller, and the caller must not modify them.
	Value []byte
	// Remaining is how long the holder's lease has left (InProgress).
	Remaining time.Duration
}

// Store keeps the records of a [Group]: for each key, either a hold in
// progress (a fingerprint, a fencing token and a lease) or a completed
// result (a fingerprint and the recorded bytes), shared by every process
// that uses the Store. [MemoryStore] keeps them in process; the
// idempotency/redis package keeps them in Redis, shared by replicas.
//
// Every method may be called concurrently and must honour ctx. Every
// method must be atomic: the guarantees of [Do] rest on Acquire never
// giving a key to two holders whose leases overlap, and on Renew,
// Complete and Release acting only while the token still owns the key.
type Store interface {
	// Acquire returns the key's completed record, or the state of the
	// hold in progress, or, when the key has neither (or only a hold
	// whose lease has run out), records a hold for the caller with the
	// given fingerprint and lease and returns Acquired with a new token.
	// It does not compare fingerprints: the Group does.
	Acquire(ctx context.Context, key, fingerprint string, lease time.Duration) (Acquisition, error)
	// Renew extends the lease of the hold with token to lease from now,
	// or returns ErrLeaseLost if token no longer holds the key.
	Renew(ctx context.Context, key string, token uint64, lease time.Duration) error
	// Complete replaces the hold with token by a completed record of
	// value that expires after ttl, or returns ErrLeaseLost if token no
	// longer holds the key. The Store may keep value: the caller must not
	// modify it afterwards.
	Complete(ctx context.Context, key string, token uint64, value []byte, ttl time.Duration) error
	// Release removes the hold with token so that the next Acquire gets
	// the key, or returns ErrLeaseLost if token no longer holds it.
	Release(ctx context.Context, key string, token uint64) error
}
