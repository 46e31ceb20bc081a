package limit

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestBulkheadTryAcquire(t *testing.T) {
	b := newBulkhead(t, 2, WithRetryAfter(3*time.Second))
	p1, err1 := b.TryAcquire()
	p2, err2 := b.TryAcquire()
	if err1 != nil || err2 != nil {
		t.Fatalf("TryAcquire = %v, %v, want two permits", err1, err2)
	}
	_, err := b.TryAcquire()
	mustLimited(t, err, 3*time.Second)
	p1.Release(nil)
	p3, err := b.TryAcquire()
	if err != nil {
		t.Fatalf("TryAcquire after a release = %v, want a permit", err)
	}
	p2.Release(nil)
	p3.Release(errors.New("ignored"))
	got := b.Stats()
	want := Stats{Limit: 2, Admitted: 3, Rejected: 1}
	if got != want {
		t.Fatalf("Stats() = %+v, want %+v", got, want)
	}
}

func TestBulkheadRejectsWithoutWaiting(t *testing.T) {
	b := newBulkhead(t, 1)
	p, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release(nil)
	_, err = b.Acquire(context.Background())
	mustLimited(t, err, DefaultRetryAfter)
}

// order starts one waiter per name on a full bulkhead of one place, in
// order, then frees places one at a time, and returns the order in which
// the waiters were served.
func order(t *testing.T, b *Bulkhead, names []string) []string {
	t.Helper()
	var served []string
	synctest.Test(t, func(t *testing.T) {
		hold, err := b.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan string)
		for _, n := range names {
			go func() {
				p, err := b.Acquire(context.Background())
				if err != nil {
					got <- "error: " + err.Error()
					return
				}
				got <- n
				p.Release(nil)
			}()
			synctest.Wait() // n is waiting before the next starts
		}
		hold.Release(nil)
		for range names {
			served = append(served, <-got)
		}
	})
	return served
}

func TestBulkheadOrder(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	tests := []struct {
		name string
		opts []BulkheadOption
		want []string
	}{
		{"fifo", []BulkheadOption{WithMaxWaiting(4)}, []string{"a", "b", "c", "d"}},
		{"lifo", []BulkheadOption{WithMaxWaiting(4), WithLIFO()}, []string{"d", "c", "b", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := order(t, newBulkhead(t, 1, tt.opts...), names)
			if len(got) != len(tt.want) {
				t.Fatalf("order = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("order = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestBulkheadMaxWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBulkhead(t, 1, WithMaxWaiting(1))
		hold, _ := b.Acquire(t.Context())
		go func() {
			p, err := b.Acquire(context.Background())
			if err == nil {
				p.Release(nil)
			}
		}()
		synctest.Wait()
		_, err := b.Acquire(t.Context())
		mustLimited(t, err, DefaultRetryAfter)
		if s := b.Stats(); s.Waiting != 1 || s.Rejected != 1 {
			t.Fatalf("Stats() = %+v, want 1 waiting, 1 rejected", s)
		}
		hold.Release(nil)
		synctest.Wait()
		if s := b.Stats(); s.InFlight != 0 || s.Admitted != 2 || s.Waited != 1 {
			t.Fatalf("Stats() = %+v, want 0 in flight, 2 admitted, 1 waited", s)
		}
	})
}

func TestBulkheadMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBulkhead(t, 1, WithMaxWaiting(10), WithMaxWait(50*time.Millisecond))
		hold, _ := b.Acquire(t.Context())
		defer hold.Release(nil)
		start := time.Now()
		_, err := b.Acquire(t.Context())
		mustLimited(t, err, DefaultRetryAfter)
		if waited := time.Since(start); waited != 50*time.Millisecond {
			t.Fatalf("Acquire waited %v, want 50ms", waited)
		}
		if s := b.Stats(); s.Waiting != 0 || s.Rejected != 1 {
			t.Fatalf("Stats() = %+v, want none waiting, 1 rejected", s)
		}
	})
}

func TestBulkheadWaitServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBulkhead(t, 1, WithMaxWaiting(1), WithMaxWait(time.Second))
		hold, _ := b.Acquire(t.Context())
		go func() {
			time.Sleep(300 * time.Millisecond)
			hold.Release(nil)
		}()
		p, err := b.Acquire(t.Context())
		if err != nil {
			t.Fatalf("Acquire = %v, want a permit after 300ms", err)
		}
		p.Release(nil)
		if s := b.Stats(); s.WaitTime != 300*time.Millisecond {
			t.Fatalf("Stats().WaitTime = %v, want 300ms", s.WaitTime)
		}
	})
}

func TestBulkheadCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBulkhead(t, 1, WithMaxWaiting(1))
		hold, _ := b.Acquire(t.Context())
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := b.Acquire(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire = %v, want DeadlineExceeded", err)
		}
		hold.Release(nil)
		want := Stats{Limit: 1, Admitted: 1, Canceled: 1}
		if s := b.Stats(); s != want {
			t.Fatalf("Stats() = %+v, want %+v", s, want)
		}
		_, err = b.Acquire(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire with an ended ctx = %v, want DeadlineExceeded", err)
		}
	})
}

func TestBulkheadDo(t *testing.T) {
	b := newBulkhead(t, 1)
	boom := errors.New("boom")
	err := b.Do(context.Background(), func(ctx context.Context) error {
		if _, err := b.TryAcquire(); !errors.Is(err, ErrLimited) {
			t.Errorf("TryAcquire inside Do = %v, want ErrLimited", err)
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Do = %v, want %v", err, boom)
	}
	func() {
		defer func() {
			if r := recover(); r != "panic" {
				t.Fatalf("recover() = %v, want the panic of fn", r)
			}
		}()
		_ = b.Do(context.Background(), func(context.Context) error { panic("panic") })
	}()
	if s := b.Stats(); s.InFlight != 0 {
		t.Fatalf("Stats().InFlight after a panic = %d, want 0", s.InFlight)
	}
}
