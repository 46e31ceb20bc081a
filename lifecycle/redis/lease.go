package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/holdfast-go/holdfast/lifecycle"
	"github.com/redis/go-redis/v9"
)

// Lease is a [lifecycle.Lease] on Redis: a named lock with an expiry that
// one holder at a time has, for jobs that must run on one replica at a
// time. Each replica builds its own Lease with the same name; pass it to
// [lifecycle.WithLease], or call [Lease.Run] directly.
//
// Taking the lease is one SET NX PX of a random token; renewing and giving
// it up are Lua scripts that act only if the token is still there, so a
// holder never extends or deletes a lease that has passed to another. Each
// time the lease is taken it gets a fencing token, larger than every one
// handed out before; [Fence] gives it to fn. It is safe for concurrent
// use; concurrent Runs on one Lease contend as two holders would.
type Lease struct {
	client   redis.UniversalClient
	cfg      config
	keys     []string // the lease, the fence counter
	ttlMilli string

	mu      sync.Mutex
	highest int64 // the highest fence this Lease has been given
}

var _ lifecycle.Lease = (*Lease)(nil)

// New returns a Lease named name on client. The name must not be empty or
// contain '{' or '}': the keys are prefix{name} and prefix{name}:fence,
// with the name as their hash tag, so that both are in one slot of a
// Cluster. The client must be built with ContextTimeoutEnabled: true, or
// go-redis would ignore the deadlines of the renewals; New returns an
// error otherwise.
func New(client redis.UniversalClient, name string, opts ...Option) (*Lease, error) {
	if client == nil {
		return nil, errors.New("lifecycle/redis: New: client must not be nil")
	}
	if name == "" || strings.ContainsAny(name, "{}") {
		return nil, fmt.Errorf("lifecycle/redis: New: name must be non-empty without '{' or '}', got %q", name)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if !contextTimeouts(client) {
		return nil, errors.New("lifecycle/redis: New: the client must have ContextTimeoutEnabled: true, " +
			"or it ignores the deadlines of the lease's renewals")
	}
	key := cfg.prefix + "{" + name + "}"
	return &Lease{
		client: client, cfg: cfg,
		keys:     []string{key, key + ":fence"},
		ttlMilli: strconv.FormatInt(cfg.ttl.Milliseconds(), 10),
	}, nil
}

// contextTimeouts reports whether client honours ctx deadlines.
func contextTimeouts(client redis.UniversalClient) bool {
	switch c := client.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled
	default:
		return true
	}
}

// fenceKey is the ctx key of the fencing token.
type fenceKey struct{}

// Fence returns the fencing token of the lease whose [Lease.Run] gave fn
// ctx (or a ctx derived from it), and whether there is one. Pass it with
// every write to the resource the lease protects, and have the resource
// refuse a write whose token is lower than the highest it has seen: that,
// not the lease alone, is what keeps a holder that lost the lease without
// noticing (paused, partitioned) from overwriting its successor's work.
func Fence(ctx context.Context) (int64, bool) {
	f, ok := ctx.Value(fenceKey{}).(int64)
	return f, ok
}

// Run takes the lease, calls fn while holding it, renewing it in the
// background, and gives it up when fn returns. It returns
// [lifecycle.ErrLeaseHeld] at once, without calling fn, if another holder
// has the lease, and an error wrapping Redis's if it cannot reach Redis.
//
// fn's ctx, derived from ctx, carries the fencing token (see [Fence]) and
// is cancelled with the cause [lifecycle.ErrLeaseLost] when the holder can
// no longer count on the lease: a renewal finds it gone (it expired, or
// Redis restarted without it, or its fence counter moved), or 9/10 of the
// TTL has passed since the last renewal that succeeded (Redis is
// unreachable). Run then returns an error wrapping ErrLeaseLost once fn
// has returned. fn runs on the caller's goroutine: a panic in it goes on
// through Run, after the renewals stop and the lease is given up.
func (l *Lease) Run(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if ctx == nil {
		return errors.New("lifecycle/redis: Lease.Run: nil Context")
	}
	if fn == nil {
		return errors.New("lifecycle/redis: Lease.Run: nil function")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	token := newToken()
	sent := time.Now()
	fence, err := l.acquire(ctx, token)
	if err != nil {
		return err
	}
	// From here on, the deferred function settles err.
	runCtx, cancel := context.WithCancelCause(context.WithValue(ctx, fenceKey{}, fence))
	h := &holder{lease: l, token: token, fence: strconv.FormatInt(fence, 10), cancel: cancel, stop: make(chan struct{})}
	h.expiry = time.AfterFunc(time.Until(sent.Add(l.cfg.valid())), h.lose)
	var wg sync.WaitGroup
	wg.Go(func() { h.keep(runCtx, sent) })
	defer func() {
		cancel(nil) // ends a renewal in flight; a loss recorded before stays the cause
		close(h.stop)
		wg.Wait()
		h.expiry.Stop()
		relErr := l.release(ctx, token)
		if context.Cause(runCtx) == lifecycle.ErrLeaseLost {
			if err == nil || errors.Is(err, context.Canceled) {
				err = lifecycle.ErrLeaseLost
			} else {
				err = errors.Join(lifecycle.ErrLeaseLost, err)
			}
		}
		err = errors.Join(err, relErr)
	}()
	return fn(runCtx)
}
