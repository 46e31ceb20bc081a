package idempotency_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/holdfast-go/holdfast/idempotency/internal/storetest"
)

func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) idempotency.Store {
		s, err := idempotency.NewMemoryStore(100)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, time.Second, true)
}

func TestMemoryStoreBound(t *testing.T) {
	ctx := context.Background()
	s, err := idempotency.NewMemoryStore(2)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Acquire(ctx, "done", "", time.Minute)
	if err := s.Complete(ctx, "done", a.Token, []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire(ctx, "held", "", time.Minute); err != nil {
		t.Fatal(err)
	}
	// Full: a new key evicts the completed record, never the hold.
	if a, err := s.Acquire(ctx, "new", "", time.Minute); err != nil || a.State != idempotency.Acquired {
		t.Fatalf("Acquire(new key, store full) = %v, %v, want Acquired", a.State, err)
	}
	if a, _ := s.Acquire(ctx, "held", "", time.Minute); a.State != idempotency.InProgress {
		t.Errorf("Acquire(held) = %v, want InProgress: a hold was evicted", a.State)
	}
	if n := s.Len(); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
	// Full of holds: refuse rather than evict one.
	if _, err := s.Acquire(ctx, "third", "", time.Minute); !errors.Is(err, idempotency.ErrStoreFull) {
		t.Errorf("Acquire(store full of holds) = %v, want ErrStoreFull", err)
	}
}

func TestMemoryStoreBoundPrefersExpired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		s, _ := idempotency.NewMemoryStore(2)
		a, _ := s.Acquire(ctx, "done", "", time.Minute)
		_ = s.Complete(ctx, "done", a.Token, []byte("v"), time.Hour)
		_, _ = s.Acquire(ctx, "dead", "", time.Second)
		time.Sleep(time.Second)
		if _, err := s.Acquire(ctx, "new", "", time.Minute); err != nil {
			t.Fatal(err)
		}
		if a, _ := s.Acquire(ctx, "done", "", time.Minute); a.State != idempotency.Completed {
			t.Errorf("Acquire(done) = %v, want Completed: the expired hold should have gone first", a.State)
		}
	})
}

func TestNewMemoryStoreBad(t *testing.T) {
	for _, n := range []int{0, -1} {
		if s, err := idempotency.NewMemoryStore(n); s != nil || err == nil {
			t.Errorf("NewMemoryStore(%d) = %v, %v, want an error", n, s, err)
		}
	}
	s, _ := idempotency.NewMemoryStore(1)
	if _, err := s.Acquire(context.Background(), "k", "", 0); err == nil {
		t.Error("Acquire(lease 0) = nil error, want one")
	}
}
