package redis

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

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
