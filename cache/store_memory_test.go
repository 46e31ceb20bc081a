package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newMemoryStore(t *testing.T, n int) *MemoryStore {
	t.Helper()
	s, err := NewMemoryStore(n)
	if err != nil {
		t.Fatalf("NewMemoryStore(%d) = %v, want nil", n, err)
	}
	return s
}

func TestMemoryStoreGetSetDelete(t *testing.T) {
	ctx := context.Background()
	s := newMemoryStore(t, 10)
	if _, err := s.Get(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(a) = %v, want ErrNotFound", err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Set(ctx, k, []byte("v-"+k), 0); err != nil {
			t.Fatalf("Set(%s) = %v", k, err)
		}
	}
	got, err := s.Get(ctx, "a")
	if err != nil || string(got) != "v-a" {
		t.Fatalf("Get(a) = %q, %v, want v-a, nil", got, err)
	}
	got[0] = 'X' // the store hands out copies
	if again, _ := s.Get(ctx, "a"); string(again) != "v-a" {
		t.Errorf("Get(a) after modifying a returned value = %q, want v-a", again)
	}
	if err := s.Delete(ctx, "a", "missing"); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	many, err := s.GetMany(ctx, []string{"a", "b", "c"})
	if err != nil || many[0] != nil || string(many[1]) != "v-b" || string(many[2]) != "v-c" {
		t.Errorf("GetMany(a, b, c) = %q, %v, want [nil v-b v-c], nil", many, err)
	}
	if err := s.Set(ctx, "a", nil, -time.Second); err == nil {
		t.Error("Set with a negative ttl = nil, want an error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Get(cancelled, "b"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled ctx = %v, want context.Canceled", err)
	}
}

func TestMemoryStoreTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s := newMemoryStore(t, 10)
		_ = s.Set(ctx, "short", []byte("v"), time.Second)
		_ = s.Set(ctx, "long", []byte("v"), time.Hour)
		time.Sleep(time.Second - time.Nanosecond)
		if _, err := s.Get(ctx, "short"); err != nil {
			t.Errorf("Get(short) 1ns before its ttl = %v, want nil", err)
		}
		time.Sleep(time.Nanosecond)
		if _, err := s.Get(ctx, "short"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(short) at its ttl = %v, want ErrNotFound", err)
		}
		if _, err := s.Get(ctx, "long"); err != nil {
			t.Errorf("Get(long) = %v, want nil", err)
		}
	})
}

func TestMemoryStoreBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s := newMemoryStore(t, 3)
		_ = s.Set(ctx, "old", []byte("v"), time.Second)
		time.Sleep(time.Second)
		for i := range 10 {
			_ = s.Set(ctx, fmt.Sprint(i), []byte("v"), 0)
			if s.Len() > 3 {
				t.Fatalf("Len() = %d after %d sets, want <= 3", s.Len(), i+1)
			}
		}
		if err := s.Set(ctx, "9", []byte("w"), 0); err != nil || s.Len() != 3 {
			t.Errorf("replacing a key in a full store: err %v, Len %d, want nil, 3", err, s.Len())
		}
	})
	if _, err := NewMemoryStore(0); err == nil {
		t.Error("NewMemoryStore(0) = nil error, want an error")
	}
}

func TestMemoryStorePubSub(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s := newMemoryStore(t, 10)
		a, _ := s.Subscribe(ctx, "ch")
		b, _ := s.Subscribe(ctx, "ch")
		other, _ := s.Subscribe(ctx, "other")
		defer other.Close()
		// More messages than the buffer: Publish waits for the receivers.
		const n = 3 * memSubBuffer
		var wg sync.WaitGroup
		for _, sub := range []Subscription{a, b} {
			wg.Go(func() {
				for i := range n {
					if m := <-sub.Messages(); m.Payload != fmt.Sprint(i) || m.Reset {
						t.Errorf("message %d = %+v, want payload %d", i, m, i)
					}
				}
			})
		}
		for i := range n {
			if err := s.Publish(ctx, "ch", fmt.Sprint(i)); err != nil {
				t.Fatalf("Publish() = %v", err)
			}
		}
		wg.Wait()
		if len(other.Messages()) != 0 {
			t.Errorf("the other channel holds %d messages, want 0", len(other.Messages()))
		}

		// A full buffer nobody drains: Publish waits until ctx ends, and
		// Close releases a blocked Publish.
		for range memSubBuffer {
			_ = s.Publish(ctx, "ch", "fill")
		}
		short, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if err := s.Publish(short, "ch", "x"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Publish to a full subscriber = %v, want DeadlineExceeded", err)
		}
		done := make(chan error)
		go func() { done <- s.Publish(ctx, "ch", "y") }()
		synctest.Wait()
		_ = a.Close()
		_ = b.Close()
		if err := <-done; err != nil {
			t.Errorf("Publish released by Close = %v, want nil", err)
		}
		for range a.Messages() { // closed: drains what was buffered, then ends
		}
		if err := s.Publish(ctx, "ch", "z"); err != nil {
			t.Errorf("Publish with no subscriber = %v, want nil", err)
		}
		_ = a.Close() // idempotent
	})
}

func TestMemoryStoreConditionalWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s := newMemoryStore(t, 2)
		cur, added, err := s.GetOrAdd(ctx, "k", []byte("lease"), time.Second)
		require.NoError(t, err)
		assert.True(t, added, "GetOrAdd of a missing key added")
		assert.Nil(t, cur)
		cur, added, err = s.GetOrAdd(ctx, "k", []byte("other"), time.Second)
		require.NoError(t, err)
		assert.False(t, added, "GetOrAdd of a held key added")
		assert.Equal(t, "lease", string(cur))

		ok, err := s.CompareAndSet(ctx, "k", []byte("other"), []byte("v"), 0)
		require.NoError(t, err)
		assert.False(t, ok, "CompareAndSet with the wrong old value swapped")
		ok, err = s.CompareAndSet(ctx, "missing", nil, []byte("v"), 0)
		require.NoError(t, err)
		assert.False(t, ok, "CompareAndSet of a missing key swapped")
		ok, err = s.CompareAndSet(ctx, "k", []byte("lease"), []byte("v"), 0)
		require.NoError(t, err)
		assert.True(t, ok, "CompareAndSet with the held value did not swap")
		got, err := s.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "v", string(got))

		// An expired value is missing: GetOrAdd adds, CompareAndSet fails.
		_, _, _ = s.GetOrAdd(ctx, "short", []byte("lease"), time.Second)
		time.Sleep(time.Second)
		ok, err = s.CompareAndSet(ctx, "short", []byte("lease"), []byte("v"), 0)
		require.NoError(t, err)
		assert.False(t, ok, "CompareAndSet of an expired key swapped")
		_, added, _ = s.GetOrAdd(ctx, "short", []byte("again"), 0)
		assert.True(t, added, "GetOrAdd of an expired key added")
		assert.Equal(t, 2, s.Len(), "the store is bounded to 2 entries")

		_, _, err = s.GetOrAdd(ctx, "k", nil, -time.Second)
		assert.Error(t, err, "GetOrAdd with a negative ttl")
		_, err = s.CompareAndSet(ctx, "k", nil, nil, -time.Second)
		assert.Error(t, err, "CompareAndSet with a negative ttl")
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err = s.GetOrAdd(cancelled, "k", nil, 0)
		assert.ErrorIs(t, err, context.Canceled)
		_, err = s.CompareAndSet(cancelled, "k", nil, nil, 0)
		assert.ErrorIs(t, err, context.Canceled)
	})
}
