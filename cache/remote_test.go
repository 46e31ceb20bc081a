package cache

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ctxStore records the context of each Get, and the time it had left.
type ctxStore struct {
	Store
	gets []context.Context
	left []time.Duration // -1: no deadline
}

func (s *ctxStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.gets = append(s.gets, ctx)
	left := time.Duration(-1)
	if d, ok := ctx.Deadline(); ok {
		left = time.Until(d)
	}
	s.left = append(s.left, left)
	return s.Store.Get(ctx, key)
}

type valueKey struct{}

// TestRemoteContext checks the context of a Store call: the caller's
// values, at most the remote timeout (at least 15/16 of it when shared),
// the caller's own deadline when it comes first, and cancelled by Close.
func TestRemoteContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 160 * time.Millisecond
		store := &ctxStore{Store: newMemoryStore(t, 10)}
		c, err := New[string](WithStore(store), WithoutLocal(), WithRemoteTimeout(timeout))
		require.NoError(t, err)
		_ = c.Set(context.Background(), "k", "v")

		withValue := context.WithValue(context.Background(), valueKey{}, "traced")
		for range 40 {
			_, _ = c.Get(context.Background(), "k")
			_, _ = c.Get(withValue, "k")
			time.Sleep(time.Millisecond)
		}
		for i, ctx := range store.gets {
			left := store.left[i]
			assert.True(t, left <= timeout && left >= timeout-timeout/16, "Get %d: deadline in %v, want in [%v, %v]", i, left, timeout-timeout/16, timeout)
			if i%2 == 1 {
				assert.Equal(t, "traced", ctx.Value(valueKey{}), "Get %d: the caller's value", i)
			}
		}

		short, cancel := context.WithTimeout(withValue, 10*time.Millisecond)
		defer cancel()
		_, _ = c.Get(short, "k")
		assert.Equal(t, 10*time.Millisecond, store.left[len(store.left)-1], "a caller's deadline that comes first")

		store.gets = nil
		_, _ = c.Get(withValue, "k")
		shared := store.gets[0]
		derived, cancelDerived := context.WithCancel(shared)
		defer cancelDerived()
		require.NoError(t, c.Close())
		synctest.Wait()
		assert.ErrorIs(t, shared.Err(), context.Canceled, "a shared deadline context after Close")
		assert.ErrorIs(t, derived.Err(), context.Canceled, "a context derived from it")
	})
}

// TestRemoteHitAllocations bounds the allocations of a Get answered by the
// Store: the Store's copy of the bytes, the decoded value and its box. A
// context.WithTimeout per call would add four or five.
func TestRemoteHitAllocations(t *testing.T) {
	ctx := context.Background()
	c := newCache(t, WithoutLocal(), WithCodec(RawCodec{}))
	require.NoError(t, c.Set(ctx, "k", "value"))
	allocs := testing.AllocsPerRun(100, func() {
		if v, err := c.Get(ctx, "k"); v != "value" || err != nil {
			t.Fatalf("Get(k) = %q, %v, want value, nil", v, err)
		}
	})
	assert.LessOrEqual(t, allocs, 3.0, "allocations of a remote hit")
}
