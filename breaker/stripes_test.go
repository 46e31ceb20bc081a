package breaker

import (
	"sync"
	"testing"
	"unsafe"
)

// TestStripesLayout checks that every counter has its own place and that
// different stripes never share a cache line (64 bytes).
func TestStripesLayout(t *testing.T) {
	for _, k := range []int{1, 2, 3, 8} {
		for _, n := range []int{1, 7, 8, 9, 60} {
			var s stripes
			s.init(k, n)
			seen := map[uintptr]int{} // cache line: stripe
			places := map[uintptr]bool{}
			for j := range k {
				for i := range n {
					a := uintptr(unsafe.Pointer(s.counter(j, i)))
					if places[a] {
						t.Fatalf("k=%d n=%d: counter(%d, %d) shares its place", k, n, j, i)
					}
					places[a] = true
					for _, line := range []uintptr{a / 64, (a + 7) / 64} {
						if o, ok := seen[line]; ok && o != j {
							t.Fatalf("k=%d n=%d: counter(%d, %d) shares a cache line with stripe %d", k, n, j, i, o)
						}
						seen[line] = j
					}
				}
			}
		}
	}
}

func TestStripesSumAndClear(t *testing.T) {
	var s stripes
	s.init(4, 3)
	for j := range 4 {
		for i := range 3 {
			s.counter(j, i).Add(int64(10*j + i))
		}
	}
	for i := range 3 {
		if got, want := s.sum(i), int64(60+4*i); got != want {
			t.Errorf("sum(%d) = %d, want %d", i, got, want)
		}
	}
	s.clear(1)
	if got := s.sum(1); got != 0 {
		t.Errorf("after clear(1): sum(1) = %d, want 0", got)
	}
	if got := s.sum(2); got != 68 {
		t.Errorf("after clear(1): sum(2) = %d, want 68", got)
	}
}

// TestStripesUnstriped checks that calls add to stripe 0 alone while no
// contention is seen.
func TestStripesUnstriped(t *testing.T) {
	var s stripes
	s.init(4, 2)
	for range 100 {
		s.add(1)
	}
	if got := s.counter(0, 1).Load(); got != 100 || s.striped.Load() {
		t.Fatalf("after 100 serial adds: stripe 0 = %d, striped = %v; want 100, false", got, s.striped.Load())
	}
}

// TestStripesConcurrent adds from many goroutines, striped from the start
// and not: the sums must be exact.
func TestStripesConcurrent(t *testing.T) {
	const goroutines, perGoroutine = 8, 1000
	for _, striped := range []bool{false, true} {
		var s stripes
		s.init(4, 3)
		s.striped.Store(striped)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range perGoroutine {
					s.add((g + i) % 3)
				}
			})
		}
		wg.Wait()
		var total int64
		for i := range 3 {
			total += s.sum(i)
		}
		if total != goroutines*perGoroutine {
			t.Fatalf("striped from the start: %v: sums total %d, want %d", striped, total, goroutines*perGoroutine)
		}
	}
}
