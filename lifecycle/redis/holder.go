package redis

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"time"

	"github.com/holdfast-go/holdfast/lifecycle"
)

// holder is one holding of a Lease, from a Run's acquisition to its end.
type holder struct {
	lease  *Lease
	token  string
	fence  string // the fencing token, as the counter stores it
	cancel context.CancelCauseFunc
	expiry *time.Timer   // fires lose when the holding can no longer be counted on
	stop   chan struct{} // closed when fn has returned
}

// keep renews the lease every renewal interval until stop is closed or
// the lease is lost. A renewal that succeeds pushes the expiry back to
// 9/10 of the TTL after it was sent; one that fails for want of Redis is
// tried again at the next tick, until the expiry fires.
func (h *holder) keep(ctx context.Context, sent time.Time) {
	tick := time.NewTicker(h.lease.cfg.renew)
	defer tick.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		held, err := h.renew(ctx, sent.Add(h.lease.cfg.valid()))
		switch {
		case err != nil:
			continue // Redis slow or down: the expiry decides
		case !held:
			h.lose()
			return
		}
		if !h.expiry.Stop() {
			return // the expiry fired during the renewal: lost
		}
		sent = now
		h.expiry.Reset(time.Until(sent.Add(h.lease.cfg.valid())))
	}
}

// renew runs the renewal script, bounded by the current validity.
func (h *holder) renew(ctx context.Context, until time.Time) (bool, error) {
	ctx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	n, err := renewScript.Run(ctx, h.lease.client, h.lease.keys, h.token, h.lease.ttlMilli, h.fence).Int()
	return n == 1, err
}

// lose cancels fn's ctx with ErrLeaseLost.
func (h *holder) lose() { h.cancel(lifecycle.ErrLeaseLost) }

// acquire runs the acquisition script for token and returns the fence, or
// ErrLeaseHeld.
func (l *Lease) acquire(ctx context.Context, token string) (int64, error) {
	l.mu.Lock()
	floor := l.highest
	l.mu.Unlock()
	fence, err := acquireScript.Run(ctx, l.client, l.keys, token, l.ttlMilli, strconv.FormatInt(floor, 10)).Int64()
	if err != nil {
		return 0, fmt.Errorf("lifecycle/redis: acquire %s: %w", l.keys[0], err)
	}
	if fence == 0 {
		return 0, lifecycle.ErrLeaseHeld
	}
	l.mu.Lock()
	l.highest = max(l.highest, fence)
	l.mu.Unlock()
	return fence, nil
}

// releaseTimeout bounds the release of a lease; one that fails expires on
// its own after the TTL.
const releaseTimeout = 2 * time.Second

// release gives the lease up if token still holds it. It runs even when
// ctx is done, as a deferred close would.
func (l *Lease) release(ctx context.Context, token string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(releaseTimeout, l.cfg.ttl))
	defer cancel()
	if err := releaseScript.Run(ctx, l.client, l.keys[:1], token).Err(); err != nil {
		return fmt.Errorf("lifecycle/redis: release %s (it expires on its own): %w", l.keys[0], err)
	}
	return nil
}

// newToken returns a random token, 128 bits from crypto/rand, that tells
// this holding from any other.
func newToken() string { return rand.Text() }
