package redis

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newClient returns a client of the server at addr, closed when t ends.
func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newStore returns a Store on client, failing t on an error.
func newStore(t *testing.T, client redis.UniversalClient, opts ...Option) *Store {
	t.Helper()
	s, err := New(client, opts...)
	if err != nil {
		t.Fatalf("New() = %v, want nil", err)
	}
	return s
}

// clients returns one client of each layout the Store handles, each on its
// own real server: a single node, a Ring of one shard, and a Cluster of one
// node (which still exercises the per-slot commands).
func clients(t *testing.T) map[string]redis.UniversalClient {
	t.Helper()
	single := redistest.Start(t)
	ring := redis.NewRing(&redis.RingOptions{
		Addrs:                 map[string]string{"a": redistest.Start(t).Addr()},
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = ring.Close() })
	clusterAddr := startCluster(t)
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{clusterAddr}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = cl.Close() })
	return map[string]redis.UniversalClient{
		"single":  newClient(t, single.Addr()),
		"ring":    ring,
		"cluster": cl,
	}
}

func TestStoreGetSetDelete(t *testing.T) {
	ctx := context.Background()
	for name, client := range clients(t) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t, client)
			if _, err := s.Get(ctx, "a"); !errors.Is(err, cache.ErrNotFound) {
				t.Fatalf("Get(a) on an empty store: err = %v, want ErrNotFound", err)
			}
			// Keys chosen to fall in several hash slots, two of them in one.
			keys := []string{"a", "b", "{t}1", "{t}2", "c"}
			for _, k := range keys {
				if err := s.Set(ctx, k, []byte("v-"+k), time.Minute); err != nil {
					t.Fatalf("Set(%s) = %v, want nil", k, err)
				}
			}
			if got, err := s.Get(ctx, "b"); err != nil || string(got) != "v-b" {
				t.Fatalf("Get(b) = %q, %v, want v-b, nil", got, err)
			}
			if err := s.Delete(ctx, "a", "{t}1", "missing"); err != nil {
				t.Fatalf("Delete() = %v, want nil", err)
			}
			got, err := s.GetMany(ctx, append(keys, "missing"))
			if err != nil {
				t.Fatalf("GetMany() = %v, want nil", err)
			}
			want := []string{"", "v-b", "", "v-{t}2", "v-c", ""}
			for i, w := range want {
				if (w == "") != (got[i] == nil) || string(got[i]) != w {
					t.Errorf("GetMany()[%d] = %q, want %q (nil when empty)", i, got[i], w)
				}
			}
			if got, err := s.GetMany(ctx, nil); err != nil || len(got) != 0 {
				t.Errorf("GetMany(nil) = %v, %v, want empty, nil", got, err)
			}
			if err := s.Delete(ctx); err != nil {
				t.Errorf("Delete() with no keys = %v, want nil", err)
			}
		})
	}
}

func TestStoreTTLAndPrefix(t *testing.T) {
	ctx := context.Background()
	client := newClient(t, redistest.Start(t).Addr())
	s := newStore(t, client, WithPrefix("app:"))
	if err := s.Set(ctx, "k", []byte("v"), 1500*time.Millisecond); err != nil {
		t.Fatalf("Set() = %v", err)
	}
	if err := s.Set(ctx, "forever", []byte("v"), 0); err != nil {
		t.Fatalf("Set() = %v", err)
	}
	if v, err := client.Get(ctx, "app:k").Result(); err != nil || v != "v" {
		t.Errorf("GET app:k = %q, %v, want the value under the prefixed key", v, err)
	}
	if ttl := client.PTTL(ctx, "app:k").Val(); ttl <= 0 || ttl > 1500*time.Millisecond {
		t.Errorf("PTTL app:k = %v, want in (0, 1.5s]", ttl)
	}
	if ttl := client.PTTL(ctx, "app:forever").Val(); ttl != -1 {
		t.Errorf("PTTL app:forever = %v, want -1 (no expiry)", ttl)
	}
	if err := s.Set(ctx, "k", []byte("v"), -time.Second); err == nil {
		t.Error("Set with a negative ttl = nil, want an error")
	}
}

func TestNewErrors(t *testing.T) {
	noCtx := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer noCtx.Close()
	ok := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer ok.Close()
	tests := []struct {
		name   string
		client redis.UniversalClient
		opts   []Option
		want   string
	}{
		{"nil client", nil, nil, "client must not be nil"},
		{"nil *redis.Client", (*redis.Client)(nil), nil, "client must not be nil, got a nil *redis.Client"},
		{"nil *redis.ClusterClient", (*redis.ClusterClient)(nil), nil, "client must not be nil, got a nil *redis.ClusterClient"},
		{"nil *redis.Ring", (*redis.Ring)(nil), nil, "client must not be nil, got a nil *redis.Ring"},
		{"context timeouts off", noCtx, nil, "ContextTimeoutEnabled"},
		{"hash tag prefix", ok, []Option{WithPrefix("app{x}:")}, "WithPrefix"},
		{"zero channel size", ok, []Option{WithChannelSize(0)}, "WithChannelSize"},
		{"huge channel size", ok, []Option{WithChannelSize(math.MaxInt)}, "MaxChannelSize"},
		{"channel size above the maximum", ok, []Option{WithChannelSize(MaxChannelSize + 1)}, "MaxChannelSize"},
		{"nil option", ok, []Option{nil}, "nil Option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.client, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cache/redis: ") {
				t.Errorf("New() = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := New(ok, WithPrefix(""), WithPrefix("a{}")); err != nil {
		t.Errorf("New(WithPrefix(\"\"), WithPrefix(\"a{}\")) = %v, want nil", err)
	}
}

// TestChannelSizeBound checks that the largest channel size New accepts
// makes a Store that a Cache can subscribe with.
func TestChannelSizeBound(t *testing.T) {
	s := newStore(t, newClient(t, redistest.Start(t).Addr()), WithChannelSize(MaxChannelSize))
	c := newCache(t, s)
	require.NoError(t, c.Set(context.Background(), "k", "v"))
}

func TestStoreDown(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, newClient(t, srv.Addr()))
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := s.Get(ctx, "k"); err == nil || errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Get with Redis down = %v, want a connection error", err)
	}
	if _, err := s.Subscribe(ctx, "ch"); err == nil {
		t.Error("Subscribe with Redis down = nil, want an error")
	}
}

func TestHashSlot(t *testing.T) {
	tests := []struct {
		key  string
		want uint16
	}{
		{"123456789", 0x31C3 % clusterSlots},
		{"foo", 12182},
		{"bar", 5061},
		{"{user1000}.following", hashSlot("user1000")},
		{"foo{}{bar}", crc16("foo{}{bar}") % clusterSlots},
		{"foo{{bar}}zap", hashSlot("{bar")},
		{"foo{bar}{zap}", hashSlot("bar")},
	}
	for _, tt := range tests {
		if got := hashSlot(tt.key); got != tt.want {
			t.Errorf("hashSlot(%q) = %d, want %d", tt.key, got, tt.want)
		}
	}
}

func TestStoreConditionalWrites(t *testing.T) {
	ctx := context.Background()
	for name, client := range clients(t) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t, client, WithPrefix("cas:"))
			cur, added, err := s.GetOrAdd(ctx, "k", []byte("lease"), time.Minute)
			require.NoError(t, err)
			assert.True(t, added, "GetOrAdd of a missing key added")
			assert.Nil(t, cur)
			assert.InDelta(t, time.Minute, client.PTTL(ctx, "cas:k").Val(), float64(time.Second), "PTTL of the added key")
			cur, added, err = s.GetOrAdd(ctx, "k", []byte("other"), time.Minute)
			require.NoError(t, err)
			assert.False(t, added, "GetOrAdd of a held key added")
			assert.Equal(t, "lease", string(cur))

			ok, err := s.CompareAndSet(ctx, "k", []byte("other"), []byte("v"), 0)
			require.NoError(t, err)
			assert.False(t, ok, "CompareAndSet with the wrong old value swapped")
			ok, err = s.CompareAndSet(ctx, "missing", nil, []byte("v"), 0)
			require.NoError(t, err)
			assert.False(t, ok, "CompareAndSet of a missing key swapped")
			assert.Zero(t, client.Exists(ctx, "cas:missing").Val())
			ok, err = s.CompareAndSet(ctx, "k", []byte("lease"), []byte("v"), 0)
			require.NoError(t, err)
			assert.True(t, ok, "CompareAndSet with the held value did not swap")
			assert.Equal(t, "v", client.Get(ctx, "cas:k").Val())
			assert.Equal(t, time.Duration(-1), client.PTTL(ctx, "cas:k").Val(), "PTTL after a CompareAndSet with ttl 0")
			ok, err = s.CompareAndSet(ctx, "k", []byte("v"), []byte("w"), 1500*time.Millisecond)
			require.NoError(t, err)
			assert.True(t, ok)
			assert.InDelta(t, 1500*time.Millisecond, client.PTTL(ctx, "cas:k").Val(), float64(time.Second))

			_, _, err = s.GetOrAdd(ctx, "k", nil, -time.Second)
			assert.Error(t, err, "GetOrAdd with a negative ttl")
			_, err = s.CompareAndSet(ctx, "k", nil, nil, -time.Second)
			assert.Error(t, err, "CompareAndSet with a negative ttl")
		})
	}
}

// TestNilContext checks the module's policy (CONTRIBUTING.md): a nil ctx
// is an error naming the call, never a panic.
func TestNilContext(t *testing.T) {
	var nilCtx context.Context
	s := newStore(t, newClient(t, "127.0.0.1:1"))
	second := func(_ any, err error) error { return err }
	tests := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { return second(s.Get(nilCtx, "k")) }},
		{"GetMany", func() error { return second(s.GetMany(nilCtx, []string{"k"})) }},
		{"Set", func() error { return s.Set(nilCtx, "k", nil, 0) }},
		{"GetOrAdd", func() error { _, _, err := s.GetOrAdd(nilCtx, "k", nil, 0); return err }},
		{"CompareAndSet", func() error { return second(s.CompareAndSet(nilCtx, "k", nil, nil, 0)) }},
		{"Delete", func() error { return s.Delete(nilCtx, "k") }},
		{"Publish", func() error { return s.Publish(nilCtx, "ch", "m") }},
		{"Subscribe", func() error { return second(s.Subscribe(nilCtx, "ch")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			assert.NotPanics(t, func() { err = tt.call() })
			assert.EqualError(t, err, "cache/redis: "+tt.name+": nil Context")
		})
	}
}
