package cache

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pausingStore pauses the first write of a key it is armed for until it
// is released, so that a test can run a Set or a Delete between the moment
// a load decides to write its value back and the moment the write lands.
type pausingStore struct {
	Store
	mu      sync.Mutex
	key     string        // the key whose next write pauses
	paused  chan struct{} // closed when that write has paused
	release chan struct{} // closed by the test to let it go on
}

// arm makes the next write of key pause.
func (s *pausingStore) arm(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key, s.paused, s.release = key, make(chan struct{}), make(chan struct{})
}

// pause blocks the write of key if the store is armed for it.
func (s *pausingStore) pause(key string) {
	s.mu.Lock()
	armed := s.key != "" && s.key == key
	paused, release := s.paused, s.release
	if armed {
		s.key = ""
	}
	s.mu.Unlock()
	if armed {
		close(paused)
		<-release
	}
}

func (s *pausingStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	s.pause(key)
	return s.Store.Set(ctx, key, val, ttl)
}

func (s *pausingStore) CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	s.pause(key)
	return s.Store.CompareAndSet(ctx, key, old, val, ttl)
}

// staleWrites are the writes that must win over a load racing them.
var staleWrites = []struct {
	name  string
	write func(ctx context.Context, c *Cache[string], key string) error
	want  string // the value after the write; "" for none
}{
	{"Delete", func(ctx context.Context, c *Cache[string], key string) error { return c.Delete(ctx, key) }, ""},
	{"Set", func(ctx context.Context, c *Cache[string], key string) error { return c.Set(ctx, key, "new") }, "new"},
}

// raceLoadAgainstWrite runs rounds of: a GetOrLoad on loader that loads
// "old"; the write on writer, run once the load's write-back has started
// (the Store pauses it) or, when inLoader, while the loader itself runs;
// then it checks that "old" is nowhere: not in the Store, not in either
// Cache, not seen by a Cache that starts afresh.
func raceLoadAgainstWrite(t *testing.T, store *pausingStore, loader, writer *Cache[string], fresh func() *Cache[string], inLoader bool) {
	ctx := context.Background()
	for _, w := range staleWrites {
		t.Run(w.name, func(t *testing.T) {
			for round := range 20 {
				key := fmt.Sprintf("%s-%v-%d", w.name, inLoader, round)
				loading, release := make(chan struct{}), make(chan struct{})
				load := func(context.Context) (string, error) {
					if inLoader {
						close(loading)
						<-release
					}
					return "old", nil // read from the source before the write
				}
				if !inLoader {
					store.arm(key)
				}
				done := make(chan error, 1)
				go func() {
					_, err := loader.GetOrLoad(ctx, key, load)
					done <- err
				}()
				if inLoader {
					<-loading
				} else {
					<-store.paused
				}
				require.NoError(t, w.write(ctx, writer, key), "round %d: %s", round, w.name)
				if inLoader {
					close(release)
				} else {
					close(store.release)
				}
				require.NoError(t, <-done, "round %d: GetOrLoad", round)

				raw, err := store.Get(ctx, key)
				if err == nil {
					f, derr := loader.decode(raw)
					require.NoError(t, derr)
					require.Equal(t, w.want, f.val, "round %d: the Store holds %q after %s returned", round, f.val, w.name)
				} else {
					require.ErrorIs(t, err, ErrNotFound)
					require.Empty(t, w.want, "round %d: the Store lost the value of %s", round, w.name)
				}
				for name, c := range map[string]*Cache[string]{"loader": loader, "writer": writer, "fresh": fresh()} {
					v, err := c.Get(ctx, key)
					if w.want == "" {
						assert.ErrorIs(t, err, ErrNotFound, "round %d: %s.Get = %q", round, name, v)
					} else {
						assert.Equal(t, w.want, v, "round %d: %s.Get", round, name)
					}
				}
			}
		})
	}
}

// TestLoadRacingWrite checks that a load that read the source before a
// Set or Delete never leaves its value in either tier after the write
// returned: in one Cache, and across two Caches on one Store.
func TestLoadRacingWrite(t *testing.T) {
	for _, inLoader := range []bool{false, true} {
		t.Run(fmt.Sprintf("inLoader=%v", inLoader), func(t *testing.T) {
			newStore := func() *pausingStore { return &pausingStore{Store: newMemoryStore(t, 1000)} }
			t.Run("OneCache", func(t *testing.T) {
				store := newStore()
				c := newCache(t, WithStore(store))
				raceLoadAgainstWrite(t, store, c, c, func() *Cache[string] { return newCache(t, WithStore(store)) }, inLoader)
			})
			t.Run("TwoCaches", func(t *testing.T) {
				store := newStore()
				a := newCache(t, WithStore(store))
				b := newCache(t, WithStore(store))
				raceLoadAgainstWrite(t, store, a, b, func() *Cache[string] { return newCache(t, WithStore(store)) }, inLoader)
			})
		})
	}
}

// TestLeaseIsAMiss checks that a lease another Cache's load put in the
// Store reads as a miss, not as a corrupt value, and that a load replaces
// it.
func TestLeaseIsAMiss(t *testing.T) {
	ctx := context.Background()
	store := newMemoryStore(t, 10)
	_, added, err := store.GetOrAdd(ctx, "k", newLease(), time.Minute)
	require.NoError(t, err)
	require.True(t, added)
	c := newCache(t, WithStore(store))

	_, err = c.Get(ctx, "k")
	assert.ErrorIs(t, err, ErrNotFound, "Get of a leased key")
	got, err := c.GetMany(ctx, []string{"k"})
	require.NoError(t, err)
	assert.Empty(t, got, "GetMany of a leased key")
	v, err := c.GetOrLoad(ctx, "k", func(context.Context) (string, error) { return "loaded", nil })
	require.NoError(t, err)
	assert.Equal(t, "loaded", v)
	other := newCache(t, WithStore(store))
	v, err = other.Get(ctx, "k")
	require.NoError(t, err, "another Cache's Get after the load replaced the lease")
	assert.Equal(t, "loaded", v)
	st := c.Stats()
	assert.Zero(t, st.DecodeErrors, "a lease counted as a decode error")
	assert.Equal(t, int64(3), st.Misses, "misses: Get, GetMany, GetOrLoad")
}

// racingWriteStore is a MemoryStore (pub/sub included) that runs a
// function once, after the next Set has reached the store and before it
// returns: a test can put another Cache's write there.
type racingWriteStore struct {
	*MemoryStore
	mu    sync.Mutex
	after func()
}

func (s *racingWriteStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	err := s.MemoryStore.Set(ctx, key, val, ttl)
	s.mu.Lock()
	after := s.after
	s.after = nil
	s.mu.Unlock()
	if after != nil {
		after()
	}
	return err
}

// TestSetRacingRemoteSet checks that a Set does not keep its value in the
// local tier when another Cache's Set of the key reached the Store after
// it and its invalidation arrived while the first Set was still running:
// the Store holds the other value, and no later message would drop the
// local copy before the local ttl.
func TestSetRacingRemoteSet(t *testing.T) {
	ctx := context.Background()
	store := &racingWriteStore{MemoryStore: newMemoryStore(t, 100)}
	invalidated := make(chan struct{}, 1)
	a := newCache(t, WithStore(store), WithOnInvalidate(func([]string) {
		select {
		case invalidated <- struct{}{}:
		default:
		}
	}))
	b := newCache(t, WithStore(store))
	store.after = func() {
		require.NoError(t, b.Set(ctx, "k", "b"))
		select {
		case <-invalidated:
		case <-time.After(10 * time.Second):
			t.Fatal("a never received b's invalidation")
		}
	}
	require.NoError(t, a.Set(ctx, "k", "a"))

	raw, err := store.Get(ctx, "k")
	require.NoError(t, err)
	f, err := a.decode(raw)
	require.NoError(t, err)
	require.Equal(t, "b", f.val, "the Store after both Sets")
	v, err := a.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "b", v, "a.Get after both Sets: a kept its own value over the later one")
}
