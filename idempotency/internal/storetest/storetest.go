// Package storetest checks that an idempotency.Store keeps the contract
// that idempotency.Do relies on. The MemoryStore's tests and those of
// idempotency/redis run the same checks.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
)

// Run runs the checks on stores made by newStore; each check gets a
// store of its own, or one whose keys no other check uses. short is a
// lease short enough to wait for: the expiry checks wait for it with
// time.Sleep. With fake true each check runs in a testing/synctest
// bubble, where those sleeps take no real time.
func Run(t *testing.T, newStore func(t *testing.T) idempotency.Store, short time.Duration, fake bool) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s idempotency.Store, short time.Duration)
	}{
		{"AcquireThenInProgress", acquireThenInProgress},
		{"WrongTokenRefused", wrongTokenRefused},
		{"CompleteThenReplay", completeThenReplay},
		{"ReleaseFreesKey", releaseFreesKey},
		{"LeaseExpiryTakeover", leaseExpiryTakeover},
		{"RenewKeepsHold", renewKeepsHold},
		{"CompletedExpires", completedExpires},
		{"ConcurrentAcquireOneWinner", concurrentAcquire},
		{"NilContext", nilContext},
		{"ShortDurationsRefused", shortDurations},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fake {
				synctest.Test(t, func(t *testing.T) { tt.fn(t, newStore(t), short) })
				return
			}
			tt.fn(t, newStore(t), short)
		})
	}
}

func acquire(t *testing.T, s idempotency.Store, key, fp string, lease time.Duration) idempotency.Acquisition {
	t.Helper()
	a, err := s.Acquire(context.Background(), key, fp, lease)
	if err != nil {
		t.Fatalf("Acquire(%q) = %v", key, err)
	}
	return a
}

func acquireThenInProgress(t *testing.T, s idempotency.Store, _ time.Duration) {
	a := acquire(t, s, "k", "fp1", time.Minute)
	if a.State != idempotency.Acquired || a.Token == 0 {
		t.Fatalf("Acquire(new key) = %+v, want Acquired with a token", a)
	}
	b := acquire(t, s, "k", "fp2", time.Minute)
	if b.State != idempotency.InProgress || b.Fingerprint != "fp1" || b.Remaining <= 0 || b.Remaining > time.Minute {
		t.Errorf("Acquire(held key) = %+v, want InProgress, fp1, 0 < Remaining <= 1m", b)
	}
}

func wrongTokenRefused(t *testing.T, s idempotency.Store, _ time.Duration) {
	ctx := context.Background()
	a := acquire(t, s, "k", "", time.Minute)
	bad := a.Token + 1
	if err := s.Renew(ctx, "k", bad, time.Minute); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Renew(wrong token) = %v, want ErrLeaseLost", err)
	}
	if err := s.Complete(ctx, "k", bad, []byte("x"), time.Minute); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Complete(wrong token) = %v, want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, "k", bad); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Release(wrong token) = %v, want ErrLeaseLost", err)
	}
	if err := s.Renew(ctx, "missing", a.Token, time.Minute); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Renew(missing key) = %v, want ErrLeaseLost", err)
	}
	if b := acquire(t, s, "k", "", time.Minute); b.State != idempotency.InProgress {
		t.Errorf("Acquire after refused calls = %v, want InProgress", b.State)
	}
}

func completeThenReplay(t *testing.T, s idempotency.Store, _ time.Duration) {
	ctx := context.Background()
	val := make([]byte, 256)
	for i := range val {
		val[i] = byte(i) // every byte value, NUL included
	}
	a := acquire(t, s, "k", "fp", time.Minute)
	if err := s.Complete(ctx, "k", a.Token, bytes.Clone(val), time.Minute); err != nil {
		t.Fatalf("Complete = %v", err)
	}
	b := acquire(t, s, "k", "other", time.Minute)
	if b.State != idempotency.Completed || b.Fingerprint != "fp" || !bytes.Equal(b.Value, val) {
		t.Errorf("Acquire(completed key) = %v, %q, %d bytes, want Completed, fp, the value", b.State, b.Fingerprint, len(b.Value))
	}
	for name, err := range map[string]error{
		"Renew":    s.Renew(ctx, "k", a.Token, time.Minute),
		"Complete": s.Complete(ctx, "k", a.Token, []byte("x"), time.Minute),
		"Release":  s.Release(ctx, "k", a.Token),
	} {
		if !errors.Is(err, idempotency.ErrLeaseLost) {
			t.Errorf("%s after Complete = %v, want ErrLeaseLost", name, err)
		}
	}
}

func releaseFreesKey(t *testing.T, s idempotency.Store, _ time.Duration) {
	a := acquire(t, s, "k", "fp1", time.Minute)
	if err := s.Release(context.Background(), "k", a.Token); err != nil {
		t.Fatalf("Release = %v", err)
	}
	b := acquire(t, s, "k", "fp2", time.Minute)
	if b.State != idempotency.Acquired || b.Token <= a.Token {
		t.Errorf("Acquire after Release = %+v, want Acquired with a token > %d", b, a.Token)
	}
}

// waitAcquired acquires key, waiting out the holds it finds.
func waitAcquired(t *testing.T, s idempotency.Store, key string, lease time.Duration) idempotency.Acquisition {
	t.Helper()
	deadline := time.Now().Add(100 * lease)
	for {
		a := acquire(t, s, key, "", lease)
		if a.State == idempotency.Acquired {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("Acquire(%q) = %v long after the lease, want Acquired", key, a.State)
		}
		time.Sleep(max(a.Remaining, time.Millisecond))
	}
}

func leaseExpiryTakeover(t *testing.T, s idempotency.Store, short time.Duration) {
	ctx := context.Background()
	old := acquire(t, s, "k", "", short)
	b := waitAcquired(t, s, "k", time.Minute)
	if b.Token <= old.Token {
		t.Errorf("token after takeover = %d, want > %d", b.Token, old.Token)
	}
	if err := s.Complete(ctx, "k", old.Token, []byte("old"), time.Minute); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Complete(expired token) = %v, want ErrLeaseLost", err)
	}
	if err := s.Renew(ctx, "k", old.Token, time.Minute); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Renew(expired token) = %v, want ErrLeaseLost", err)
	}
	if err := s.Complete(ctx, "k", b.Token, []byte("new"), time.Minute); err != nil {
		t.Errorf("Complete(new token) = %v", err)
	}
	if c := acquire(t, s, "k", "", time.Minute); string(c.Value) != "new" {
		t.Errorf("record = %q, want new", c.Value)
	}
}

func renewKeepsHold(t *testing.T, s idempotency.Store, short time.Duration) {
	a := acquire(t, s, "k", "", short)
	if err := s.Renew(context.Background(), "k", a.Token, time.Minute); err != nil {
		t.Fatalf("Renew = %v", err)
	}
	time.Sleep(2 * short)
	if b := acquire(t, s, "k", "", short); b.State != idempotency.InProgress || b.Remaining <= short {
		t.Errorf("Acquire after Renew(1m) and 2 short leases = %v, %v left, want InProgress", b.State, b.Remaining)
	}
}

func completedExpires(t *testing.T, s idempotency.Store, short time.Duration) {
	a := acquire(t, s, "k", "", time.Minute)
	if err := s.Complete(context.Background(), "k", a.Token, []byte("v"), short); err != nil {
		t.Fatalf("Complete = %v", err)
	}
	deadline := time.Now().Add(100 * short)
	for acquire(t, s, "k", "", time.Minute).State != idempotency.Acquired {
		if time.Now().After(deadline) {
			t.Fatal("completed record outlived its ttl")
		}
		time.Sleep(short / 4)
	}
}

func concurrentAcquire(t *testing.T, s idempotency.Store, _ time.Duration) {
	const n = 100
	var wg sync.WaitGroup
	states := make([]idempotency.State, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			var a idempotency.Acquisition
			a, errs[i] = s.Acquire(context.Background(), "k", "", time.Minute)
			states[i] = a.State
		})
	}
	wg.Wait()
	acquired := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Acquire = %v", errs[i])
		}
		if states[i] == idempotency.Acquired {
			acquired++
		}
	}
	if acquired != 1 {
		t.Errorf("%d of %d concurrent Acquires got the key, want 1", acquired, n)
	}
}

// nilContext checks that every method returns an error for a nil ctx, as
// CONTRIBUTING.md asks, rather than panicking, and leaves the key alone.
func nilContext(t *testing.T, s idempotency.Store, _ time.Duration) {
	var nilCtx context.Context
	a := acquire(t, s, "k", "", time.Minute)
	calls := []struct {
		name string
		call func() error
	}{
		{"Acquire", func() error { _, err := s.Acquire(nilCtx, "other", "", time.Minute); return err }},
		{"Renew", func() error { return s.Renew(nilCtx, "k", a.Token, time.Minute) }},
		{"Complete", func() error { return s.Complete(nilCtx, "k", a.Token, []byte("v"), time.Minute) }},
		{"Release", func() error { return s.Release(nilCtx, "k", a.Token) }},
	}
	for _, c := range calls {
		if err := c.call(); err == nil || !strings.Contains(err.Error(), "nil Context") {
			t.Errorf("%s(nil ctx) = %v, want an error saying nil Context", c.name, err)
		}
	}
	if got := acquire(t, s, "k", "", time.Minute); got.State != idempotency.InProgress {
		t.Errorf("Acquire after the nil-ctx calls = %+v, want the hold still InProgress", got)
	}
	if got := acquire(t, s, "other", "", time.Minute); got.State != idempotency.Acquired {
		t.Errorf("Acquire(other) after Acquire(nil ctx, other) = %+v, want Acquired", got)
	}
}

// shortDurations checks that a lease or ttl under idempotency.MinDuration
// is an error that names it, not a hold or record that expires at once,
// and that the refused calls leave the hold as it was.
func shortDurations(t *testing.T, s idempotency.Store, _ time.Duration) {
	ctx := context.Background()
	a := acquire(t, s, "k", "", time.Minute)
	short := idempotency.MinDuration - 1
	calls := []struct {
		name string
		call func() error
	}{
		{"Acquire", func() error { _, err := s.Acquire(ctx, "other", "", short); return err }},
		{"Renew", func() error { return s.Renew(ctx, "k", a.Token, short) }},
		{"Complete", func() error { return s.Complete(ctx, "k", a.Token, []byte("v"), short) }},
	}
	for _, c := range calls {
		if err := c.call(); err == nil || !strings.Contains(err.Error(), short.String()) {
			t.Errorf("%s(%v) = %v, want an error naming %v", c.name, short, err, short)
		}
	}
	if got := acquire(t, s, "k", "", time.Minute); got.State != idempotency.InProgress {
		t.Errorf("Acquire after the refused calls = %+v, want the hold still InProgress", got)
	}
	if err := s.Renew(ctx, "k", a.Token, time.Minute); err != nil {
		t.Errorf("Renew after the refused calls = %v, want nil", err)
	}
}
