package redis

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/stretchr/testify/require"
)

// pausingStore pauses the first write-back of a key it is armed for until
// it is released, so that a test can run a Set or a Delete between the
// moment a load decides to write its value back and the moment the write
// reaches Redis.
type pausingStore struct {
	*Store
	mu      sync.Mutex
	key     string
	paused  chan struct{} // closed when the armed write has paused
	release chan struct{} // closed by the test to let it go on
}

func (s *pausingStore) arm(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key, s.paused, s.release = key, make(chan struct{}), make(chan struct{})
}

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

// Set is the write-back of a Cache that has no conditional write (the
// code before the fix); CompareAndSet is the one it uses now.
func (s *pausingStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	s.pause(key)
	return s.Store.Set(ctx, key, val, ttl)
}

func (s *pausingStore) CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	s.pause(key)
	return s.Store.CompareAndSet(ctx, key, old, val, ttl)
}

// TestLoadRacingWrite checks against a real redis-server that a load that
// read the source before a Set or Delete never leaves its value in Redis
// or in a local tier after the write returned: with the loader paused
// while the write runs, and with the load's write-back paused; with the
// write made by the loading Cache and by another one (another process).
func TestLoadRacingWrite(t *testing.T) {
	ctx := context.Background()
	client := newClient(t, redistest.Start(t).Addr())
	writes := []struct {
		name  string
		write func(c *cache.Cache[string], key string) error
		want  string // "" for none
	}{
		{"Delete", func(c *cache.Cache[string], key string) error { return c.Delete(ctx, key) }, ""},
		{"Set", func(c *cache.Cache[string], key string) error { return c.Set(ctx, key, "new") }, "new"},
	}
	for _, pauseWriteBack := range []bool{true, false} {
		for _, twoCaches := range []bool{false, true} {
			for _, w := range writes {
				name := fmt.Sprintf("pauseWriteBack=%v/twoCaches=%v/%s", pauseWriteBack, twoCaches, w.name)
				t.Run(name, func(t *testing.T) {
					store := &pausingStore{Store: newStore(t, client, WithPrefix(t.Name()+":"))}
					loader := newCache(t, store.Store, cache.WithStore(store))
					writer := loader
					if twoCaches {
						writer = newCache(t, store.Store, cache.WithStore(store))
					}
					for round := range 50 {
						key := fmt.Sprint("k", round)
						loading, release := make(chan struct{}), make(chan struct{})
						load := func(context.Context) (string, error) {
							if !pauseWriteBack {
								close(loading)
								<-release
							}
							return "old", nil // read from the source before the write
						}
						if pauseWriteBack {
							store.arm(key)
							loading, release = store.paused, store.release
						}
						done := make(chan error, 1)
						go func() {
							_, err := loader.GetOrLoad(ctx, key, load)
							done <- err
						}()
						<-loading
						require.NoError(t, w.write(writer, key), "round %d: %s", round, w.name)
						close(release)
						require.NoError(t, <-done, "round %d: GetOrLoad", round)
						raw, err := store.Get(ctx, key)
						if err != nil {
							require.ErrorIs(t, err, cache.ErrNotFound, "round %d: Store.Get", round)
						}
						require.NotContains(t, string(raw), `"old"`, "round %d: Redis after %s returned", round, w.name)
						fresh := newCache(t, store.Store)
						for cname, c := range map[string]*cache.Cache[string]{"loader": loader, "writer": writer, "fresh": fresh} {
							v, err := c.Get(ctx, key)
							if w.want == "" {
								require.ErrorIs(t, err, cache.ErrNotFound, "round %d: %s.Get after %s = %q", round, cname, w.name, v)
							} else {
								require.Equal(t, w.want, v, "round %d: %s.Get after %s", round, cname, w.name)
							}
						}
					}
				})
			}
		}
	}
}
