package idempotency

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestDoPanicReleasesKey(t *testing.T) {
	g := newGroup(t)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recover() = %v, want boom", r)
			}
		}()
		_, _, _ = Do(context.Background(), g, "k", "", func(context.Context) (int, error) { panic("boom") })
	}()
	if got := mustDo(t, g, "k", "", func(context.Context) (int, error) { return 7, nil }); got != 7 {
		t.Errorf("Do after a panic = %d, want 7 (a new run)", got)
	}
}

func TestDoGoexitReleasesKey(t *testing.T) {
	g := newGroup(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _, _ = Do(context.Background(), g, "k", "", func(context.Context) (int, error) {
			runtime.Goexit()
			return 0, nil
		})
	}()
	<-done
	if got := mustDo(t, g, "k", "", func(context.Context) (int, error) { return 7, nil }); got != 7 {
		t.Errorf("Do after runtime.Goexit = %d, want 7 (a new run)", got)
	}
}

func TestDoWaitEndsWithCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemory(t, 10)
		if _, err := s.Acquire(t.Context(), "k", "", time.Hour); err != nil {
			t.Fatal(err)
		}
		g := newGroup(t, WithStore(s))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, _, err := Do(ctx, g, "k", "", func(context.Context) (int, error) { return 1, nil })
		var ipe *InProgressError
		if !errors.As(err, &ipe) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Do = %v, want an InProgressError wrapping DeadlineExceeded", err)
		}
		if want := time.Hour - time.Second + DefaultPollInterval; ipe.RetryAfter > want || ipe.RetryAfter < want-2*DefaultPollInterval {
			t.Errorf("RetryAfter = %v, want about %v", ipe.RetryAfter, want)
		}
	})
}

func TestHolderCrashLeaseExpires(t *testing.T) {
	// A holder that dies after acquiring never renews nor completes: the
	// key is blocked for its lease, then the next call takes it over.
	synctest.Test(t, func(t *testing.T) {
		const lease = 10 * time.Second
		s := newMemory(t, 10)
		crashed, err := s.Acquire(t.Context(), "k", "fp", lease)
		if err != nil {
			t.Fatal(err)
		}
		g := newGroup(t, WithStore(s), WithLease(lease))
		start := time.Now()
		var token uint64
		got, replayed, err := Do(t.Context(), g, "k", "fp", func(ctx context.Context) (string, error) {
			token, _ = Token(ctx)
			return "after crash", nil
		})
		if err != nil || got != "after crash" || replayed {
			t.Fatalf("Do = %q, %v, %v, want a run after the lease", got, replayed, err)
		}
		if waited := time.Since(start); waited != lease {
			t.Errorf("Do waited %v, want the lease, %v", waited, lease)
		}
		if token <= crashed.Token {
			t.Errorf("token after takeover = %d, want > %d", token, crashed.Token)
		}
		if err := s.Complete(t.Context(), "k", crashed.Token, []byte("vx"), time.Hour); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("Complete by the crashed holder = %v, want ErrLeaseLost", err)
		}
	})
}

func TestLeaseIsRenewedWhileFnRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const lease = time.Second
		s := &faultStore{Store: newMemory(t, 10)}
		g := newGroup(t, WithStore(s), WithLease(lease), WithInProgress(Reject))
		got := mustDo(t, g, "k", "", func(ctx context.Context) (int, error) {
			for range 10 {
				time.Sleep(lease)
				if _, _, err := Do(t.Context(), g, "k", "", func(context.Context) (int, error) { return 0, nil }); !errors.Is(err, ErrInProgress) {
					t.Errorf("Do while the holder runs = %v, want ErrInProgress", err)
				}
			}
			return 1, ctx.Err()
		})
		if got != 1 {
			t.Errorf("Do = %d, want 1", got)
		}
		if s.renews < 25 {
			t.Errorf("%d renewals over 10 leases, want about 30", s.renews)
		}
	})
}

func TestLeaseLostCancelsFn(t *testing.T) {
	tests := []struct {
		name  string
		renew func(*MemoryStore) error
		want  time.Duration // when fn's ctx is cancelled
	}{
		// The hold is gone (evicted, say): cancel at the first renewal.
		{"hold gone", func(m *MemoryStore) error {
			m.mu.Lock()
			defer m.mu.Unlock()
			delete(m.items, "k")
			return nil
		}, time.Second},
		// The Store is unreachable: cancel when the lease runs out.
		{"store down", func(*MemoryStore) error { return errors.New("connection refused") }, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem := newMemory(t, 10)
				s := &faultStore{Store: mem}
				s.set(&s.renew, func() error { return tt.renew(mem) })
				g := newGroup(t, WithStore(s), WithLease(3*time.Second))
				start := time.Now()
				_, _, err := Do(t.Context(), g, "k", "", func(ctx context.Context) (int, error) {
					<-ctx.Done()
					if c := context.Cause(ctx); c != ErrLeaseLost {
						t.Errorf("context.Cause(fn's ctx) = %v, want ErrLeaseLost", c)
					}
					if d := time.Since(start); d != tt.want {
						t.Errorf("fn's ctx cancelled after %v, want %v", d, tt.want)
					}
					return 1, nil
				})
				if !errors.Is(err, ErrLeaseLost) || !errors.Is(err, ErrStore) {
					t.Errorf("Do = %v, want ErrStore and ErrLeaseLost (Complete refused)", err)
				}
			})
		})
	}
}

func TestFencingLateHolderCannotOverwrite(t *testing.T) {
	// Holder A cannot renew (a partition); its lease runs out, B takes the
	// key over and completes; A, which ignores its ctx, finishes last. A's
	// result must not replace B's, and B's token must be greater.
	synctest.Test(t, func(t *testing.T) {
		const lease = 3 * time.Second
		mem := newMemory(t, 10)
		partitioned := &faultStore{Store: mem}
		partitioned.set(&partitioned.renew, fail(errors.New("network partition")))
		ga := newGroup(t, WithStore(partitioned), WithLease(lease))
		gb := newGroup(t, WithStore(mem), WithLease(lease), WithInProgress(Wait))

		var tokenA, tokenB uint64
		bDone := make(chan struct{})
		aErr := make(chan error)
		go func() {
			_, _, err := Do(t.Context(), ga, "k", "", func(ctx context.Context) (string, error) {
				tokenA, _ = Token(ctx)
				<-bDone // a slow holder that ignores its ctx
				return "A", nil
			})
			aErr <- err
		}()
		synctest.Wait()
		got, _, err := Do(t.Context(), gb, "k", "", func(ctx context.Context) (string, error) {
			tokenB, _ = Token(ctx)
			return "B", nil
		})
		close(bDone)
		if err != nil || got != "B" {
			t.Fatalf("B: Do = %q, %v, want B, nil", got, err)
		}
		if err := <-aErr; !errors.Is(err, ErrLeaseLost) {
			t.Errorf("A: Do = %v, want ErrLeaseLost", err)
		}
		if tokenB <= tokenA {
			t.Errorf("token of B = %d, want > token of A, %d", tokenB, tokenA)
		}
		got, replayed, err := Do(t.Context(), gb, "k", "", func(context.Context) (string, error) { return "C", nil })
		if got != "B" || !replayed || err != nil {
			t.Errorf("replay = %q, %v, %v, want B, true, nil", got, replayed, err)
		}
	})
}

func TestFailOpenNotWhileWaiting(t *testing.T) {
	// A call that saw the key held must not run fn when the Store then
	// fails, even under WithFailOpen: the holder may be running it.
	synctest.Test(t, func(t *testing.T) {
		mem := newMemory(t, 10)
		if _, err := mem.Acquire(t.Context(), "k", "", time.Hour); err != nil {
			t.Fatal(err)
		}
		s := &faultStore{Store: mem}
		g := newGroup(t, WithStore(s), WithFailOpen(func(string, error) {
			t.Error("failed open while waiting for a holder")
		}))
		go func() {
			time.Sleep(DefaultPollInterval / 2)
			s.set(&s.acquire, fail(errors.New("store down")))
		}()
		ran := false
		_, _, err := Do(t.Context(), g, "k", "", func(context.Context) (int, error) { ran = true; return 1, nil })
		if !errors.Is(err, ErrStore) || ran {
			t.Errorf("Do = %v, fn ran %v; want ErrStore, not run", err, ran)
		}
	})
}

func TestLeaseRenewedAfterCallerCancels(t *testing.T) {
	// The caller gives up; fn finishes later, still holding the key, and
	// its result is recorded for the retry.
	synctest.Test(t, func(t *testing.T) {
		const lease = time.Second
		g := newGroup(t, WithLease(lease), WithInProgress(Reject))
		ctx, cancel := context.WithCancel(t.Context())
		_, _, err := Do(ctx, g, "k", "", func(ctx context.Context) (int, error) {
			cancel()
			time.Sleep(5 * lease) // ignores ctx
			if _, _, err := Do(t.Context(), g, "k", "", func(context.Context) (int, error) { return 0, nil }); !errors.Is(err, ErrInProgress) {
				t.Errorf("Do while the holder runs = %v, want ErrInProgress", err)
			}
			return 3, nil
		})
		if err != nil {
			t.Fatalf("Do = %v", err)
		}
		if v, replayed, err := Do(t.Context(), g, "k", "", func(context.Context) (int, error) { return 0, nil }); v != 3 || !replayed || err != nil {
			t.Errorf("retry = %d, %v, %v, want 3, true, nil", v, replayed, err)
		}
	})
}

func TestDoJoinsRenewalBeforeReturning(t *testing.T) {
	// A renewal in flight when fn returns must have ended before Do
	// returns: Do owns the goroutine it started.
	synctest.Test(t, func(t *testing.T) {
		const lease = 3 * time.Second
		s := &faultStore{Store: newMemory(t, 10)}
		var renewing atomic.Bool
		s.set(&s.renew, func() error {
			renewing.Store(true)
			time.Sleep(lease / 2) // a slow Store
			renewing.Store(false)
			return nil
		})
		g := newGroup(t, WithStore(s), WithLease(lease))
		mustDo(t, g, "k", "", func(context.Context) (int, error) {
			time.Sleep(lease/3 + time.Millisecond) // a renewal has started
			return 1, nil
		})
		if renewing.Load() {
			t.Error("Do returned while its renewal goroutine was still calling the Store")
		}
	})
}
