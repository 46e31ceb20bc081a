package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/holdfast-go/holdfast/lifecycle"
	"github.com/redis/go-redis/v9"
)

// hold runs l.Run in a goroutine with a fn that reports its fence on
// held and waits for release or its ctx; the returned channel gets Run's
// error and the cause of fn's ctx.
func hold(l *Lease, held chan<- int64, release <-chan struct{}) <-chan [2]error {
	done := make(chan [2]error, 1)
	go func() {
		var cause error
		err := l.Run(context.Background(), func(ctx context.Context) error {
			f, _ := Fence(ctx)
			held <- f
			select {
			case <-release:
			case <-ctx.Done():
			}
			cause = context.Cause(ctx)
			return ctx.Err()
		})
		done <- [2]error{err, cause}
	}()
	return done
}

func TestLeaseHeldElsewhere(t *testing.T) {
	addr := redistest.Start(t).Addr()
	a := newLease(t, newClient(t, addr), "job")
	b := newLease(t, newClient(t, addr), "job")
	held, release := make(chan int64, 1), make(chan struct{})
	done := hold(a, held, release)
	fa := <-held
	called := false
	err := b.Run(context.Background(), func(context.Context) error { called = true; return nil })
	if !errors.Is(err, lifecycle.ErrLeaseHeld) || called {
		t.Errorf("b.Run while a holds = %v (fn called: %v), want ErrLeaseHeld without calling fn", err, called)
	}
	close(release)
	if res := <-done; res[0] != nil {
		t.Errorf("a.Run = %v, want nil", res[0])
	}
	var fb int64
	if err := b.Run(context.Background(), func(ctx context.Context) error {
		fb, _ = Fence(ctx)
		return nil
	}); err != nil {
		t.Fatalf("b.Run after a released = %v, want nil", err)
	}
	if fb <= fa {
		t.Errorf("b's fence %d after a's %d, want larger", fb, fa)
	}
}

func TestLeaseTwoHolders(t *testing.T) {
	addr := redistest.Start(t).Addr()
	var store fenced
	var inside, most, held atomic.Int32
	var mu sync.Mutex
	var fences []int64 // in the order the holdings began
	holder := func(name string) error {
		l := newLease(t, newClient(t, addr), "job", WithTTL(2*time.Second))
		ping := newClient(t, addr)
		for held.Load() < 40 {
			err := l.Run(context.Background(), func(ctx context.Context) error {
				n := inside.Add(1)
				defer inside.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				f, _ := Fence(ctx)
				mu.Lock()
				fences = append(fences, f)
				mu.Unlock()
				for range 3 { // some I/O while holding the lease
					if err := ping.Ping(ctx).Err(); err != nil {
						return err
					}
					store.write(f, name)
				}
				held.Add(1)
				return nil
			})
			if err != nil && !errors.Is(err, lifecycle.ErrLeaseHeld) {
				return fmt.Errorf("%s: Run = %w", name, err)
			}
		}
		return nil
	}
	errs := make(chan error, 2)
	for _, name := range []string{"a", "b"} {
		go func() { errs <- holder(name) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if m := most.Load(); m != 1 {
		t.Errorf("%d holders at once, want 1", m)
	}
	for i := 1; i < len(fences); i++ {
		if fences[i] <= fences[i-1] {
			t.Errorf("fence %d = %d after %d, want increasing", i, fences[i], fences[i-1])
		}
	}
	store.check(t)
	if len(store.rejected) != 0 {
		t.Errorf("store rejected %v, want no stale write", store.rejected)
	}
}

// A holder that stops renewing without giving the lease up (it crashed,
// or lost its network) keeps the others out until the TTL has passed;
// then another takes the lease with a larger fence, and the old holder's
// run is cancelled with ErrLeaseLost.
func TestLeaseHolderKilled(t *testing.T) {
	addr := redistest.Start(t).Addr()
	const ttl = 600 * time.Millisecond
	var p partition
	a := newLease(t, newPartitionedClient(t, addr, &p), "job", WithTTL(ttl))
	b := newLease(t, newClient(t, addr), "job", WithTTL(ttl))
	var store fenced
	type result struct{ err, cause error }
	done := make(chan result, 1)
	held := make(chan int64, 1)
	go func() {
		var cause error
		err := a.Run(context.Background(), func(ctx context.Context) error {
			f, _ := Fence(ctx)
			held <- f
			tick := time.NewTicker(5 * time.Millisecond) // a's work: a write every 5ms
			defer tick.Stop()
			for {
				store.write(f, "a")
				select {
				case <-ctx.Done():
					cause = context.Cause(ctx)
					return ctx.Err()
				case <-tick.C:
				}
			}
		})
		done <- result{err, cause}
	}()
	fa := <-held
	p.sever()
	severed := time.Now()
	var fb int64
	tick := time.NewTicker(10 * time.Millisecond) // b tries the lease every 10ms
	defer tick.Stop()
	for fb == 0 {
		err := b.Run(context.Background(), func(ctx context.Context) error {
			fb, _ = Fence(ctx)
			store.write(fb, "b")
			return nil
		})
		if err != nil && !errors.Is(err, lifecycle.ErrLeaseHeld) {
			t.Fatalf("b.Run = %v", err)
		}
		if time.Since(severed) > guard {
			t.Fatal("b never took the lease")
		}
		<-tick.C
	}
	// a renewed at most a renewal interval (ttl/3) before it was cut off,
	// so Redis kept its lease for at least 2/3 of the TTL after that.
	if took := time.Since(severed); took < ttl*2/3 {
		t.Errorf("b took the lease %v after a was cut off, want at least %v", took, ttl*2/3)
	}
	if fb <= fa {
		t.Errorf("b's fence %d after a's %d, want larger", fb, fa)
	}
	res := <-done
	if !errors.Is(res.err, lifecycle.ErrLeaseLost) || !errors.Is(res.cause, lifecycle.ErrLeaseLost) {
		t.Errorf("a.Run = %v with ctx cause %v, want ErrLeaseLost for both", res.err, res.cause)
	}
	store.check(t)
}

// With persistence off, a restart of Redis takes the lease away: the
// holder's next renewal finds it gone and cancels its run, another holder
// may take it at once, and its fence is still larger, although the fence
// counter was lost too, because the fence never falls below the server's
// clock in microseconds.
func TestLeaseRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	const ttl = 600 * time.Millisecond
	a := newLease(t, newClient(t, srv.Addr()), "job", WithTTL(ttl))
	held := make(chan int64, 1)
	done := hold(a, held, nil)
	fa := <-held
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		if !errors.Is(res[0], lifecycle.ErrLeaseLost) || !errors.Is(res[1], lifecycle.ErrLeaseLost) {
			t.Errorf("a.Run = %v with ctx cause %v, want ErrLeaseLost for both", res[0], res[1])
		}
	case <-time.After(guard):
		t.Fatal("a kept the lease across a restart")
	}
	// A new Lease has seen no fence: only the server decides.
	b := newLease(t, newClient(t, srv.Addr()), "job", WithTTL(ttl))
	var fb int64
	if err := b.Run(context.Background(), func(ctx context.Context) error {
		fb, _ = Fence(ctx)
		return nil
	}); err != nil {
		t.Fatalf("b.Run after the restart = %v", err)
	}
	if fb <= fa {
		t.Errorf("fence after the restart %d, before %d: want larger", fb, fa)
	}
}

// A renewal checks the fence counter as well as the token: a holder whose
// counter moved (here set by hand, as a restore of an old snapshot might)
// loses the lease rather than run beside a holder with another fence.
func TestLeaseFenceCounterMoved(t *testing.T) {
	addr := redistest.Start(t).Addr()
	client := newClient(t, addr)
	a := newLease(t, client, "job", WithTTL(300*time.Millisecond))
	held := make(chan int64, 1)
	done := hold(a, held, nil)
	fa := <-held
	if err := client.Set(context.Background(), a.keys[1], fa+1, 0).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		if !errors.Is(res[0], lifecycle.ErrLeaseLost) {
			t.Errorf("a.Run = %v, want ErrLeaseLost", res[0])
		}
	case <-time.After(guard):
		t.Fatal("a kept the lease after its fence counter moved")
	}
}

func TestLeaseReleasedOnPanic(t *testing.T) {
	addr := redistest.Start(t).Addr()
	client := newClient(t, addr)
	a := newLease(t, client, "job")
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want boom", r)
			}
		}()
		_ = a.Run(context.Background(), func(context.Context) error { panic("boom") })
	}()
	if n := client.Exists(context.Background(), a.keys[0]).Val(); n != 0 {
		t.Errorf("lease key exists after a panic in fn, want it released")
	}
}

func TestLeaseCluster(t *testing.T) {
	addr := redistest.StartWith(t, "--cluster-enabled", "yes").Addr()
	startCluster(t, addr)
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = cl.Close() })
	l := newLease(t, cl, "job", WithTTL(300*time.Millisecond))
	var fences []int64
	for range 2 {
		if err := l.Run(context.Background(), func(ctx context.Context) error {
			f, _ := Fence(ctx)
			fences = append(fences, f)
			return nil
		}); err != nil {
			t.Fatalf("Run on a Cluster = %v", err)
		}
	}
	if fences[1] <= fences[0] {
		t.Errorf("fences %v, want increasing", fences)
	}
}

func TestFenceOutsideRun(t *testing.T) {
	if f, ok := Fence(context.Background()); ok || f != 0 {
		t.Errorf("Fence(Background) = %d, %v, want 0, false", f, ok)
	}
}

func TestLeaseRunCtxDone(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	l := newLease(t, client, "job")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Run(ctx, func(context.Context) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a done ctx = %v, want context.Canceled", err)
	}
}

// TestLeaseLostAtRenewal: a renewal that finds the token gone (the key
// deleted, as a restart without persistence or an eviction would) cancels
// fn at once, not when the holder's validity of 9/10 of the TTL runs out:
// the package doc promises two holders for at most one renewal interval.
func TestLeaseLostAtRenewal(t *testing.T) {
	addr := redistest.Start(t).Addr()
	client := newClient(t, addr)
	const ttl = time.Minute // a loss noticed only at 9/10 of it fails the guard
	a := newLease(t, client, "job", WithTTL(ttl), WithRenewEvery(20*time.Millisecond))
	held := make(chan int64, 1)
	done := hold(a, held, nil)
	<-held
	if err := client.Del(context.Background(), a.keys[0]).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		if !errors.Is(res[0], lifecycle.ErrLeaseLost) || !errors.Is(res[1], lifecycle.ErrLeaseLost) {
			t.Errorf("a.Run = %v with ctx cause %v, want ErrLeaseLost for both", res[0], res[1])
		}
	case <-time.After(guard):
		t.Fatalf("a's fn still ran %v after its lease was deleted, want it cancelled at the next renewal", guard)
	}
}
