package redis

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/redis/go-redis/v9"
)

func TestLeaseNeverShortenedOnServer(t *testing.T) {
	// The Group counts a lease from before it asks Redis, and cancels fn's
	// ctx when the lease runs out by its own clock. Redis must therefore
	// keep a hold at least as long as asked: a lease of 1.5ms must be sent
	// as 2ms, never truncated to 1ms, or another replica could take the
	// key over while fn's ctx is still live.
	client := newClient(t, redistest.Start(t).Addr())
	var args argsHook
	client.AddHook(&args)
	s := newStore(t, client)
	ctx := context.Background()
	const lease = 1500 * time.Microsecond
	a, err := s.Acquire(ctx, "k", "", lease)
	if err != nil {
		t.Fatal(err)
	}
	if got := args.last(); got != "2" {
		t.Errorf("Acquire(lease %v) sent lease %s ms, want 2", lease, got)
	}
	// Renew may find the hold gone already (1.5ms is short): only the
	// argument it sent matters here.
	_ = s.Renew(ctx, "k", a.Token, lease)
	if got := args.last(); got != "2" {
		t.Errorf("Renew(lease %v) sent lease %s ms, want 2", lease, got)
	}
}

// argsHook is a go-redis hook that keeps the last argument of the last
// command sent.
type argsHook struct {
	mu  sync.Mutex
	arg string
}

func (h *argsHook) last() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.arg
}

func (h *argsHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *argsHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		a := cmd.Args()
		h.mu.Lock()
		h.arg = fmt.Sprint(a[len(a)-1])
		h.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (h *argsHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func TestTokenGrowsPastReleasedHold(t *testing.T) {
	// A released hold keeps its token until its lease would have ended,
	// so that the next holder's token is greater even when the server's
	// clock has not moved past it (the same microsecond, or a clock that
	// stepped back). A released record with a token ahead of the clock
	// stands for that case.
	client := newClient(t, redistest.Start(t).Addr())
	s := newStore(t, client)
	ctx := context.Background()
	const ahead = 8_000_000_000_000_000 // µs, far past the clock, below 2^53
	if err := client.HSet(ctx, s.Key("k"), "s", "r", "f", "", "t", ahead).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.PExpire(ctx, s.Key("k"), time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	a, err := s.Acquire(ctx, "k", "", time.Minute)
	if err != nil || a.State != idempotency.Acquired || a.Token != ahead+1 {
		t.Fatalf("Acquire after a release = %v, token %d, %v, want Acquired, token %d", a.State, a.Token, err, uint64(ahead+1))
	}
	// Release itself must keep the token.
	if err := s.Release(ctx, "k", a.Token); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Acquire(ctx, "k", "", time.Minute); err != nil || b.Token <= a.Token {
		t.Errorf("Acquire after Release = token %d, %v, want > %d", b.Token, err, a.Token)
	}
}
