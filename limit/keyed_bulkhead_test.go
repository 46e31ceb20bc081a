package limit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestKeyedBulkhead(t *testing.T) {
	kb, err := NewKeyedBulkhead[string](2, 2)
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := kb.TryAcquire("a")
	a2, _ := kb.TryAcquire("a")
	_, err = kb.TryAcquire("a")
	mustLimited(t, err, DefaultRetryAfter)
	b1, err := kb.TryAcquire("b")
	if err != nil {
		t.Fatalf("TryAcquire(b) with a full = %v, want a permit", err)
	}
	_, err = kb.Acquire(context.Background(), "c")
	mustLimited(t, err, DefaultRetryAfter) // a third key beyond maxKeys 2
	if got := kb.Keys(); got != 2 {
		t.Fatalf("Keys() = %d, want 2", got)
	}
	a1.Release(nil)
	a2.Release(nil)
	b1.Release(nil)
	if got := kb.Keys(); got != 0 {
		t.Fatalf("Keys() after every release = %d, want 0 (idle keys dropped)", got)
	}
	if err := kb.Do(context.Background(), "c", func(context.Context) error { return nil }); err != nil {
		t.Fatalf("Do(c) once keys are free = %v, want nil", err)
	}
}

func TestKeyedBulkheadAllocs(t *testing.T) {
	kb, _ := NewKeyedBulkhead[int](4, 0)
	ctx := context.Background()
	hold, _ := kb.Acquire(ctx, 1) // key 1 stays in use
	defer hold.Release(nil)
	allocs := testing.AllocsPerRun(1000, func() {
		p, err := kb.Acquire(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		p.Release(nil)
	})
	if allocs != 0 {
		t.Fatalf("Acquire+Release on a key in use allocates %v times, want 0", allocs)
	}
}

// TestKeyedBulkheadProperty: many goroutines over a few keys, some
// waiting, some giving up: no key ever has more than n calls in flight,
// and every key is dropped at the end.
func TestKeyedBulkheadProperty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		kb, err := NewKeyedBulkhead[int](3, 0, WithMaxWaiting(4), WithMaxWait(3*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		var inflight [4]atomic.Int64
		var over atomic.Bool
		var wg sync.WaitGroup
		for g := range 32 {
			wg.Go(func() {
				for i := range 40 {
					key := (g + i) % 4
					p, err := kb.Acquire(t.Context(), key)
					if err != nil {
						time.Sleep(time.Millisecond)
						continue
					}
					if inflight[key].Add(1) > 3 {
						over.Store(true)
					}
					time.Sleep(time.Duration(1+i%3) * time.Millisecond)
					inflight[key].Add(-1)
					p.Release(nil)
				}
			})
		}
		wg.Wait()
		if over.Load() {
			t.Fatal("a key had more than 3 calls in flight")
		}
		if got := kb.Keys(); got != 0 {
			t.Fatalf("Keys() at the end = %d, want 0", got)
		}
	})
}

// TestKeyedBulkheadReleaseCopyTwice: releasing two copies of one Permit is
// a misuse, but it must not count a key's calls below zero: a key whose
// count went negative would never be dropped, and the memory bound on idle
// keys would be lost.
func TestKeyedBulkheadReleaseCopyTwice(t *testing.T) {
	kb, err := NewKeyedBulkhead[string](1, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := kb.TryAcquire("a")
	if err != nil {
		t.Fatal(err)
	}
	e := p.r.(*keyed[string])
	cp := p
	p.Release(nil)
	cp.Release(nil) // the misuse
	if e.refs != 0 {
		t.Fatalf("refs after releasing a copy twice = %d, want 0", e.refs)
	}
	if got := kb.Keys(); got != 0 {
		t.Fatalf("Keys() = %d, want 0", got)
	}
}
