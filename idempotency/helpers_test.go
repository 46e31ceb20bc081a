package idempotency

import (
	"context"
	"sync"
	"testing"
	"time"
)

// newGroup returns a Group built with opts, failing t on an error.
func newGroup(t testing.TB, opts ...Option) *Group {
	t.Helper()
	g, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// newMemory returns a MemoryStore of n entries, failing t on an error.
func newMemory(t testing.TB, n int) *MemoryStore {
	t.Helper()
	s, err := NewMemoryStore(n)
	if err != nil {
		t.Fatalf("NewMemoryStore: %v", err)
	}
	return s
}

// faultStore wraps a Store and lets a test replace the result of each
// method: a nil hook passes the call through.
type faultStore struct {
	Store
	mu       sync.Mutex
	acquire  func() error
	renew    func() error
	complete func() error
	release  func() error
	renews   int
}

func (f *faultStore) hook(h *func() error) func() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *h
}

func (f *faultStore) set(h *func() error, fn func() error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*h = fn
}

func (f *faultStore) Acquire(ctx context.Context, key, fp string, lease time.Duration) (Acquisition, error) {
	if h := f.hook(&f.acquire); h != nil {
		if err := h(); err != nil {
			return Acquisition{}, err
		}
	}
	return f.Store.Acquire(ctx, key, fp, lease)
}

func (f *faultStore) Renew(ctx context.Context, key string, token uint64, lease time.Duration) error {
	f.mu.Lock()
	f.renews++
	f.mu.Unlock()
	if h := f.hook(&f.renew); h != nil {
		if err := h(); err != nil {
			return err
		}
	}
	return f.Store.Renew(ctx, key, token, lease)
}

func (f *faultStore) Complete(ctx context.Context, key string, token uint64, v []byte, ttl time.Duration) error {
	if h := f.hook(&f.complete); h != nil {
		if err := h(); err != nil {
			return err
		}
	}
	return f.Store.Complete(ctx, key, token, v, ttl)
}

func (f *faultStore) Release(ctx context.Context, key string, token uint64) error {
	if h := f.hook(&f.release); h != nil {
		if err := h(); err != nil {
			return err
		}
	}
	return f.Store.Release(ctx, key, token)
}

func fail(err error) func() error { return func() error { return err } }
