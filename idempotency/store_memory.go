package idempotency

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultMemoryStoreEntries is the bound of the [MemoryStore] that [New]
// uses when no [WithStore] option is given.
const DefaultMemoryStoreEntries = 100_000

// ErrStoreFull is returned by [MemoryStore.Acquire] when the store is full
// of holds in progress, none of which it may evict.
var ErrStoreFull = errors.New("idempotency: MemoryStore full of holds in progress")

// MemoryStore is an in-process [Store]: the default Store of a [Group],
// for tests, examples and programs that run as one process. It is not
// shared across processes: use idempotency/redis for replicas.
//
// It holds at most the number of records given to [NewMemoryStore]. When
// it is full, acquiring a new key evicts a record: an expired one if it
// finds one, else a completed one (a later call with that key runs fn
// again), never a hold in progress; if it holds nothing but holds in
// progress, Acquire returns [ErrStoreFull]. Expired records are dropped
// when they are read or evicted. Fencing tokens come from one counter for
// the whole store, so they grow for every key as long as the store lives.
type MemoryStore struct {
	max  int
	base time.Time // expiries are offsets from base (see now)

	mu    sync.Mutex
	items map[string]memRecord
	next  uint64 // the last token given out
}

// memRecord is one record of a [MemoryStore].
type memRecord struct {
	fingerprint string
	token       uint64 // of the hold, or of the hold that completed
	done        bool
	value       []byte
	expires     time.Duration // end of the lease, or of the ttl when done, from base
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty [MemoryStore] that holds at most
// maxEntries records (maxEntries >= 1).
func NewMemoryStore(maxEntries int) (*MemoryStore, error) {
	if maxEntries < 1 {
		return nil, fmt.Errorf("idempotency: NewMemoryStore: maxEntries must be >= 1, got %d", maxEntries)
	}
	return &MemoryStore{max: maxEntries, base: time.Now(), items: make(map[string]memRecord)}, nil
}

// now returns the time since s.base. time.Since reads only the monotonic
// clock, cheaper than time.Now, which reads the wall clock too. (Inside a
// testing/synctest bubble it reads the bubble's clock: a store used in a
// bubble must be made in it.)
func (s *MemoryStore) now() time.Duration { return time.Since(s.base) }

// Acquire returns the key's live record, or records a hold for the caller.
// A completed record's Value is the store's own immutable copy.
func (s *MemoryStore) Acquire(ctx context.Context, key, fingerprint string, lease time.Duration) (Acquisition, error) {
	a, _, err := s.acquireAt(ctx, key, fingerprint, lease)
	return a, err
}

// acquireAt is Acquire, also returning, when it grants a hold, the time
// the hold starts. A [Group] uses it to skip a clock read of its own.
func (s *MemoryStore) acquireAt(ctx context.Context, key, fingerprint string, lease time.Duration) (Acquisition, time.Time, error) {
	if ctx == nil {
		return Acquisition{}, time.Time{}, nilContext("MemoryStore.Acquire")
	}
	if err := ctx.Err(); err != nil {
		return Acquisition{}, time.Time{}, err
	}
	if lease < MinDuration {
		return Acquisition{}, time.Time{}, fmt.Errorf("idempotency: MemoryStore.Acquire: lease must be >= %v, got %v", MinDuration, lease)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.items[key]
	if ok && now < r.expires {
		if r.done {
			return Acquisition{State: Completed, Fingerprint: r.fingerprint, Value: r.value}, time.Time{}, nil
		}
		return Acquisition{State: InProgress, Fingerprint: r.fingerprint, Remaining: r.expires - now}, time.Time{}, nil
	}
	if !ok && len(s.items) >= s.max && !s.evict(now) {
		return Acquisition{}, time.Time{}, ErrStoreFull
	}
	s.next++
	s.items[key] = memRecord{fingerprint: fingerprint, token: s.next, expires: now + lease}
	return Acquisition{State: Acquired, Token: s.next}, s.base.Add(now), nil
}

// evict removes an expired record, else a completed one, and reports
// whether it found one. It looks at a few records first (map iteration
// starts at random) and at all of them only if those were all live holds.
func (s *MemoryStore) evict(now time.Duration) bool {
	const probes = 8
	victim, found, n := "", false, 0
	for k, r := range s.items {
		if now >= r.expires {
			victim, found = k, true
			break
		}
		if r.done && !found {
			victim, found = k, true
		}
		if n++; n >= probes && found {
			break
		}
	}
	if found {
		delete(s.items, victim)
	}
	return found
}

// owned returns the key's record if it is a live hold with token.
func (s *MemoryStore) owned(key string, token uint64, now time.Duration) (memRecord, bool) {
	r, ok := s.items[key]
	if !ok || r.done || r.token != token || now >= r.expires {
		return memRecord{}, false
	}
	return r, true
}

// Renew extends the hold with token to lease (>= [MinDuration]) from now.
func (s *MemoryStore) Renew(ctx context.Context, key string, token uint64, lease time.Duration) error {
	if ctx == nil {
		return nilContext("MemoryStore.Renew")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if lease < MinDuration {
		return fmt.Errorf("idempotency: MemoryStore.Renew: lease must be >= %v, got %v", MinDuration, lease)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.owned(key, token, now)
	if !ok {
		return ErrLeaseLost
	}
	r.expires = now + lease
	s.items[key] = r
	return nil
}

// Complete replaces the hold with token by value, kept for ttl (>=
// [MinDuration]). The store keeps value: the caller must not modify it.
func (s *MemoryStore) Complete(ctx context.Context, key string, token uint64, value []byte, ttl time.Duration) error {
	if ctx == nil {
		return nilContext("MemoryStore.Complete")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if ttl < MinDuration {
		return fmt.Errorf("idempotency: MemoryStore.Complete: ttl must be >= %v, got %v", MinDuration, ttl)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.owned(key, token, now)
	if !ok {
		return ErrLeaseLost
	}
	r.done, r.value, r.expires = true, value, now+ttl
	s.items[key] = r
	return nil
}

// Release removes the hold with token.
func (s *MemoryStore) Release(ctx context.Context, key string, token uint64) error {
	if ctx == nil {
		return nilContext("MemoryStore.Release")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.owned(key, token, s.now()); !ok {
		return ErrLeaseLost
	}
	delete(s.items, key)
	return nil
}

// Len returns the number of records held, expired ones included until they
// are dropped.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

// nilContext returns a MemoryStore call's error for a nil ctx (see
// CONTRIBUTING.md: an error, never a panic).
func nilContext(call string) error {
	return fmt.Errorf("idempotency: %s: nil Context", call)
}
