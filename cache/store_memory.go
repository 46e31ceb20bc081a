package cache

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultMemoryStoreEntries is the bound of the [MemoryStore] that [New]
// uses when no [WithStore] option is given.
const DefaultMemoryStoreEntries = 100_000

// memSubBuffer is the buffer of a [MemoryStore] subscription's channel.
const memSubBuffer = 64

// MemoryStore is an in-process [Store] and [PubSub]: the shared tier of
// every [Cache] that is given the same MemoryStore, and the default shared
// tier of a Cache built without [WithStore]. It serves tests, examples and
// programs that run as a single process; it is not shared across processes.
//
// It holds at most the number of entries given to [NewMemoryStore]; when it
// is full, a Set of a new key evicts an entry chosen at random, preferring
// expired ones. Expired entries are dropped when they are read or evicted.
// Publish delivers each message to every subscription of the channel,
// waiting while a subscriber's buffer is full, so no message is lost.
type MemoryStore struct {
	max int

	mu    sync.Mutex
	items map[string]memItem
	subs  map[string]map[*memSub]struct{}
}

// memItem is one entry of a [MemoryStore].
type memItem struct {
	val     []byte
	expires time.Time // zero: no expiry
}

var (
	_ Store        = (*MemoryStore)(nil)
	_ PubSub       = (*MemoryStore)(nil)
	_ Subscription = (*memSub)(nil)
)

// NewMemoryStore returns an empty [MemoryStore] that holds at most
// maxEntries entries (maxEntries >= 1).
func NewMemoryStore(maxEntries int) (*MemoryStore, error) {
	if maxEntries < 1 {
		return nil, fmt.Errorf("cache: NewMemoryStore: maxEntries must be >= 1, got %d", maxEntries)
	}
	return &MemoryStore{
		max:   maxEntries,
		items: make(map[string]memItem),
		subs:  make(map[string]map[*memSub]struct{}),
	}, nil
}

// Get returns a copy of the value stored under key, or [ErrNotFound].
func (s *MemoryStore) Get(ctx context.Context, key string) ([]byte, error) {
	if ctx == nil {
		return nil, nilContext("MemoryStore.Get")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.get(key, time.Now())
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

// GetMany returns copies of the values stored under keys, nil for each
// missing key.
func (s *MemoryStore) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	if ctx == nil {
		return nil, nilContext("MemoryStore.GetMany")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([][]byte, len(keys))
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {
		out[i], _ = s.get(k, now)
	}
	return out, nil
}

// get returns a copy of the live value under key; s.mu is held.
func (s *MemoryStore) get(key string, now time.Time) ([]byte, bool) {
	it, ok := s.items[key]
	if !ok {
		return nil, false
	}
	if it.expired(now) {
		delete(s.items, key)
		return nil, false
	}
	return bytes.Clone(it.val), true
}

// Set stores val under key for ttl (0: no expiry), evicting an entry if the
// store is full. The store keeps val: the caller must not modify it.
func (s *MemoryStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ctx == nil {
		return nilContext("MemoryStore.Set")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if ttl < 0 {
		return fmt.Errorf("cache: MemoryStore.Set: ttl must be >= 0, got %v", ttl)
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(key, val, ttl, now)
	return nil
}

// GetOrAdd returns a copy of the value stored under key or, if there is
// none, stores val for ttl (0: no expiry) and reports added. The store
// keeps val: the caller must not modify it.
func (s *MemoryStore) GetOrAdd(ctx context.Context, key string, val []byte, ttl time.Duration) ([]byte, bool, error) {
	if ctx == nil {
		return nil, false, nilContext("MemoryStore.GetOrAdd")
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if ttl < 0 {
		return nil, false, fmt.Errorf("cache: MemoryStore.GetOrAdd: ttl must be >= 0, got %v", ttl)
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.get(key, now); ok {
		return cur, false, nil
	}
	s.put(key, val, ttl, now)
	return nil, true, nil
}

// CompareAndSet stores val under key for ttl (0: no expiry) if key holds
// a live value equal to old, and reports whether it did. The store keeps
// val: the caller must not modify it.
func (s *MemoryStore) CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	if ctx == nil {
		return false, nilContext("MemoryStore.CompareAndSet")
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if ttl < 0 {
		return false, fmt.Errorf("cache: MemoryStore.CompareAndSet: ttl must be >= 0, got %v", ttl)
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[key]
	if !ok || it.expired(now) || !bytes.Equal(it.val, old) {
		return false, nil
	}
	s.put(key, val, ttl, now)
	return true, nil
}

// put stores val under key for ttl, evicting an entry if the store is
// full; s.mu is held.
func (s *MemoryStore) put(key string, val []byte, ttl time.Duration, now time.Time) {
	it := memItem{val: val}
	if ttl > 0 {
		it.expires = now.Add(ttl)
	}
	if _, ok := s.items[key]; !ok && len(s.items) >= s.max {
		s.evict(now)
	}
	s.items[key] = it
}

// evict removes one entry: an expired one among the first few that map
// iteration (which starts at random) visits, else the first visited.
func (s *MemoryStore) evict(now time.Time) {
	const probes = 8
	victim, n := "", 0
	for k, it := range s.items {
		if it.expired(now) {
			victim = k
			break
		}
		if n == 0 {
			victim = k
		}
		if n++; n == probes {
			break
		}
	}
	delete(s.items, victim)
}

// Delete removes keys.
func (s *MemoryStore) Delete(ctx context.Context, keys ...string) error {
	if ctx == nil {
		return nilContext("MemoryStore.Delete")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.items, k)
	}
	return nil
}

// Len returns the number of entries held, expired ones included until they
// are dropped.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

func (it memItem) expired(now time.Time) bool {
	return !it.expires.IsZero() && !now.Before(it.expires)
}

// Publish delivers msg to every subscription of channel in this store. It
// waits while a subscriber's buffer is full, until ctx is done.
func (s *MemoryStore) Publish(ctx context.Context, channel, msg string) error {
	if ctx == nil {
		return nilContext("MemoryStore.Publish")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	subs := make([]*memSub, 0, len(s.subs[channel]))
	for sub := range s.subs[channel] {
		subs = append(subs, sub)
	}
	s.mu.Unlock()
	for _, sub := range subs {
		if err := sub.send(ctx, Message{Payload: msg}); err != nil {
			return err
		}
	}
	return nil
}

// Subscribe subscribes to channel. The subscription never sends a Reset
// message: in process, no message is lost.
func (s *MemoryStore) Subscribe(ctx context.Context, channel string) (Subscription, error) {
	if ctx == nil {
		return nil, nilContext("MemoryStore.Subscribe")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sub := &memSub{
		store:   s,
		channel: channel,
		ch:      make(chan Message, memSubBuffer),
		done:    make(chan struct{}),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs[channel] == nil {
		s.subs[channel] = make(map[*memSub]struct{})
	}
	s.subs[channel][sub] = struct{}{}
	return sub, nil
}

// memSub is a [Subscription] to a [MemoryStore] channel.
type memSub struct {
	store   *MemoryStore
	channel string
	ch      chan Message
	done    chan struct{} // closed by Close, to release blocked senders
	once    sync.Once

	mu     sync.RWMutex // held for reading while sending on ch
	closed bool
}

// Messages returns the subscription's channel, closed by Close.
func (m *memSub) Messages() <-chan Message { return m.ch }

// send delivers msg unless the subscription is closed.
func (m *memSub) send(ctx context.Context, msg Message) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil
	}
	select {
	case m.ch <- msg:
		return nil
	case <-m.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close removes the subscription from its store, releases the Publish
// calls waiting for it and closes its channel.
func (m *memSub) Close() error {
	m.once.Do(func() {
		s := m.store
		s.mu.Lock()
		delete(s.subs[m.channel], m)
		if len(s.subs[m.channel]) == 0 {
			delete(s.subs, m.channel)
		}
		s.mu.Unlock()
		close(m.done)
		m.mu.Lock() // wait for senders, released by done
		m.closed = true
		close(m.ch)
		m.mu.Unlock()
	})
	return nil
}
