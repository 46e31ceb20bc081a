package redis

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/redis/go-redis/v9"
)

// Store is a [cache.Store] and [cache.PubSub] on Redis, through a go-redis
// v9 client: a single node, a Sentinel-managed failover client, a Cluster
// or a Ring. It is safe for concurrent use. It does not own the client:
// closing the client is the caller's job, after the caches that use the
// Store are closed.
//
// Values are plain Redis strings written with SET ... PX; GetMany is one
// MGET on a single node, one MGET per hash slot (pipelined) on a Cluster,
// and pipelined GETs on a Ring; Delete is one DEL, one DEL per slot, or one
// per key in the same way. Invalidation messages travel over PUBLISH and a
// SUBSCRIBE connection that go-redis re-establishes after a network error;
// each re-subscription is reported to the receiver as a
// [cache.Message] with Reset set, since messages published while the
// connection was down are lost.
type Store struct {
	client redis.UniversalClient
	cfg    config
	layout layout
}

// layout says how multi-key commands are split for the client.
type layout int

const (
	single  layout = iota // one node: MGET and DEL take every key at once
	cluster               // Redis Cluster: one MGET or DEL per hash slot
	sharded               // client-side sharding (Ring) or unknown: one command per key
)

var (
	_ cache.Store  = (*Store)(nil)
	_ cache.PubSub = (*Store)(nil)
)

// New returns a Store on client, which must not be nil (nor a nil
// pointer of a client type). The client must be built with
// ContextTimeoutEnabled: true, or go-redis would ignore the deadlines that
// the cache puts on each call ([cache.WithRemoteTimeout]) and wait for its
// own socket timeouts instead; New returns an error otherwise.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, errors.New("cache/redis: New: client must not be nil")
	}
	if v := reflect.ValueOf(client); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("cache/redis: New: client must not be nil, got a nil %T", client)
	}
	s := &Store{client: client, cfg: config{prefix: DefaultPrefix, channelSize: DefaultChannelSize}}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("cache/redis: New: nil Option")
		}
		if err := o.apply(&s.cfg); err != nil {
			return nil, err
		}
	}
	var ctxTimeouts bool
	switch c := client.(type) {
	case *redis.Client:
		s.layout, ctxTimeouts = single, c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		s.layout, ctxTimeouts = cluster, c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		s.layout, ctxTimeouts = sharded, c.Options().ContextTimeoutEnabled
	default:
		s.layout, ctxTimeouts = sharded, true
	}
	if !ctxTimeouts {
		return nil, errors.New("cache/redis: New: the client must have ContextTimeoutEnabled: true, " +
			"or it ignores the deadlines of the cache's calls")
	}
	return s, nil
}

// Get returns the value stored under key, or [cache.ErrNotFound].
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if ctx == nil {
		return nil, nilContext("Get")
	}
	b, err := s.client.Get(ctx, s.cfg.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, cache.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("cache/redis: GET: %w", err)
	}
	return b, nil
}

// GetMany returns the values stored under keys, nil for each missing key.
func (s *Store) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	if ctx == nil {
		return nil, nilContext("GetMany")
	}
	out := make([][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	if s.layout == single {
		vals, err := s.client.MGet(ctx, s.prefixed(keys)...).Result()
		if err != nil {
			return nil, fmt.Errorf("cache/redis: MGET: %w", err)
		}
		return fillValues(out, vals, indexes(len(keys)))
	}
	groups := s.groups(keys)
	cmds := make([]*redis.SliceCmd, len(groups))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, g := range groups {
			cmds[i] = p.MGet(ctx, s.prefixedAt(keys, g)...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cache/redis: MGET: %w", err)
	}
	for i, g := range groups {
		if _, err := fillValues(out, cmds[i].Val(), g); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fillValues stores the replies of an MGET for the keys at positions at.
func fillValues(out [][]byte, vals []any, at []int) ([][]byte, error) {
	if len(vals) != len(at) {
		return nil, fmt.Errorf("cache/redis: MGET: %d replies for %d keys", len(vals), len(at))
	}
	for j, v := range vals {
		switch v := v.(type) {
		case nil:
		case string:
			out[at[j]] = []byte(v)
		default:
			return nil, fmt.Errorf("cache/redis: MGET: unexpected reply of type %T", v)
		}
	}
	return out, nil
}

// Set stores val under key for ttl (0: no expiry), with SET ... PX.
func (s *Store) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ctx == nil {
		return nilContext("Set")
	}
	if ttl < 0 {
		return fmt.Errorf("cache/redis: Set: ttl must be >= 0, got %v", ttl)
	}
	if err := s.client.Set(ctx, s.cfg.prefix+key, val, ttl).Err(); err != nil {
		return fmt.Errorf("cache/redis: SET: %w", err)
	}
	return nil
}

// Delete removes keys with DEL.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	if ctx == nil {
		return nilContext("Delete")
	}
	if len(keys) == 0 {
		return nil
	}
	var err error
	if s.layout == single {
		err = s.client.Del(ctx, s.prefixed(keys)...).Err()
	} else {
		_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, g := range s.groups(keys) {
				p.Del(ctx, s.prefixedAt(keys, g)...)
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("cache/redis: DEL: %w", err)
	}
	return nil
}

// Publish sends msg on channel (prefixed) with PUBLISH.
func (s *Store) Publish(ctx context.Context, channel, msg string) error {
	if ctx == nil {
		return nilContext("Publish")
	}
	if err := s.client.Publish(ctx, s.cfg.prefix+channel, msg).Err(); err != nil {
		return fmt.Errorf("cache/redis: PUBLISH: %w", err)
	}
	return nil
}

// nilContext returns the error of call for a nil ctx (see CONTRIBUTING.md).
func nilContext(call string) error {
	return fmt.Errorf("cache/redis: %s: nil Context", call)
}

// prefixed returns keys with the prefix, as command arguments.
func (s *Store) prefixed(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = s.cfg.prefix + k
	}
	return out
}

// prefixedAt returns the keys at positions at, with the prefix.
func (s *Store) prefixedAt(keys []string, at []int) []string {
	out := make([]string, len(at))
	for i, j := range at {
		out[i] = s.cfg.prefix + keys[j]
	}
	return out
}

// groups splits the positions of keys into the groups that one command
// may carry: one per hash slot on a Cluster, one per key otherwise.
func (s *Store) groups(keys []string) [][]int {
	if s.layout != cluster {
		out := make([][]int, len(keys))
		for i := range keys {
			out[i] = []int{i}
		}
		return out
	}
	var out [][]int
	bySlot := make(map[uint16]int, len(keys))
	for i, k := range keys {
		slot := hashSlot(s.cfg.prefix + k)
		g, ok := bySlot[slot]
		if !ok {
			g = len(out)
			bySlot[slot] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	return out
}

// indexes returns 0, 1, ..., n-1.
func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
