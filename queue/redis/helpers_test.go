package redis

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// newClient returns a client of the Redis at addr, closed when t ends.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true,
		MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: 2 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

// startRedis starts a redis-server for t and returns a client of it.
func startRedis(t testing.TB, args ...string) (*redistest.Server, *redis.Client) {
	t.Helper()
	s := redistest.StartWith(t, args...)
	return s, newClient(t, s.Addr())
}

// fastConsumer are consumer options that keep tests quick.
func fastConsumer(opts ...ConsumerOption) []ConsumerOption {
	return append([]ConsumerOption{
		WithVisibilityTimeout(time.Second), WithBlock(20 * time.Millisecond),
		WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
	}, opts...)
}

// shutdown shuts c down, failing t on an error.
func shutdown[T any](t testing.TB, c *Consumer[T]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown() = %v, want nil", err)
	}
}

// seen records which job values a handler saw, and how often.
type seen struct {
	mu sync.Mutex
	n  map[int]int
	ch chan int // receives each value handled, if not nil
}

func newSeen() *seen { return &seen{n: make(map[int]int), ch: make(chan int, 100_000)} }

func (s *seen) add(v int) {
	s.mu.Lock()
	s.n[v]++
	s.mu.Unlock()
	s.ch <- v
}

func (s *seen) count(v int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[v]
}

// waitAll waits until every value in want has been seen, or fails t.
func (s *seen) waitAll(t testing.TB, want []int, timeout time.Duration) {
	t.Helper()
	missing := make(map[int]bool, len(want))
	for _, v := range want {
		if s.count(v) == 0 {
			missing[v] = true
		}
	}
	deadline := time.After(timeout)
	for len(missing) > 0 {
		select {
		case v := <-s.ch:
			delete(missing, v)
		case <-deadline:
			t.Fatalf("%d jobs never handled, e.g. %v", len(missing), any1(missing))
		}
	}
}

func any1(m map[int]bool) int {
	for k := range m {
		return k
	}
	return -1
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// recv receives from ch, failing t if nothing comes within 10s.
func recv[V any](t testing.TB, ch <-chan V) V {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing received in 10s")
		panic("unreachable")
	}
}

// newProducer returns a Producer of stream over client, and fails t when
// NewProducer returns an error.
func newProducer[T any](t testing.TB, ctx context.Context, client redis.UniversalClient, stream string, opts ...ProducerOption) *Producer[T] {
	t.Helper()
	p, err := NewProducer[T](ctx, client, stream, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
