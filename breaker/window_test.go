package breaker

import (
	"sync"
	"testing"
)

func TestCountWindow(t *testing.T) {
	w := newCountWindow(3)
	const f, s = markCall | markFailure, markCall | markSlow
	tests := []struct {
		m        uint32
		wantRise bool
		want     counts
	}{
		{markCall, true, counts{1, 0, 0}}, // the window grows
		{f, true, counts{2, 1, 0}},
		{s, true, counts{3, 1, 1}},
		{markCall, false, counts{3, 1, 1}}, // replaces a success
		{markCall, false, counts{3, 0, 1}}, // replaces a failure: the rate falls
		{s, false, counts{3, 0, 1}},        // replaces a slow call: no change
		{f, true, counts{3, 1, 1}},
	}
	for i, tt := range tests {
		if got := w.add(tt.m); got != tt.wantRise {
			t.Errorf("add #%d (%b) = %v, want %v", i, tt.m, got, tt.wantRise)
		}
		if got := w.counts(); got != tt.want {
			t.Errorf("after add #%d: counts() = %+v, want %+v", i, got, tt.want)
		}
	}
}

// TestCountWindowConcurrent races many goroutines for few slots: the totals
// must still be the sum of the slots.
func TestCountWindowConcurrent(t *testing.T) {
	w := newCountWindow(7)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				w.add([]uint32{markCall, markCall | markFailure, markCall | markSlow, markCall | markFailure | markSlow}[(g*i+i)%4])
			}
		})
	}
	wg.Wait()
	var want counts
	for i := range w.slots {
		m := w.slots[i].Load()
		want.calls += int64(m & markCall)
		want.failures += int64(m&markFailure) / int64(markFailure)
		want.slow += int64(m&markSlow) / int64(markSlow)
	}
	if got := w.counts(); got != want {
		t.Fatalf("counts() = %+v, want the sum of the slots %+v", got, want)
	}
}

func TestTimeWindow(t *testing.T) {
	w := newTimeWindow(10, 3) // periods of 10ns; the window spans 3
	w.add(0, markCall)
	w.add(5, markCall|markFailure)
	w.add(12, markCall|markSlow)
	w.add(25, markCall)
	tests := []struct {
		now  int64
		want counts
	}{
		{29, counts{4, 1, 1}},
		{30, counts{2, 0, 1}}, // period 1 has rolled out
		{40, counts{1, 0, 0}},
		{50, counts{}},
		{1000, counts{}},
	}
	for _, tt := range tests {
		if got := w.counts(tt.now); got != tt.want {
			t.Errorf("counts(%d) = %+v, want %+v", tt.now, got, tt.want)
		}
		if got := w.recent(tt.now); got != tt.want {
			t.Errorf("recent(%d) = %+v, want %+v", tt.now, got, tt.want)
		}
	}
	w.add(31, markCall|markFailure) // reuses the bucket of period 1
	if got, want := w.counts(31), (counts{3, 1, 1}); got != want {
		t.Errorf("counts(31) = %+v, want %+v", got, want)
	}
	w.add(1, markCall) // too late: its bucket holds period 4 now
	if got, want := w.counts(31), (counts{3, 1, 1}); got != want {
		t.Errorf("after a late add: counts(31) = %+v, want %+v", got, want)
	}
}

// TestTimeWindowMayHoldBad checks what add reports: whether the window may
// hold a failed or slow call.
func TestTimeWindowMayHoldBad(t *testing.T) {
	w := newTimeWindow(10, 3) // periods of 10ns; the window spans 3
	tests := []struct {
		now  int64
		m    uint32
		want bool
	}{
		{0, markCall, false},
		{25, markCall, false},
		{5, markCall | markFailure, true}, // period 1
		{12, markCall, true},
		{29, markCall, true},
		{30, markCall, false},             // period 1 has rolled out
		{31, markCall | markSlow, true},   // period 4
		{3, markCall | markFailure, true}, // late: period 1
		{40, markCall, true},              // the late failure did not lower lastBad
		{61, markCall, false},
		{1000, markCall | markFailure | markSlow, true},
	}
	for _, tt := range tests {
		if got := w.add(tt.now, tt.m); got != tt.want {
			t.Errorf("add(%d, %b) = %v, want %v", tt.now, tt.m, got, tt.want)
		}
	}
}

// TestTimeWindowQuiet checks that a success in a quiet period does not ask
// for an evaluation, and a failure always does.
func TestTimeWindowQuiet(t *testing.T) {
	w := newTimeWindow(10, 3) // periods of 10ns; the window spans 3
	tests := []struct {
		now   int64
		m     uint32
		quiet bool // mark the period quiet after the add
		want  bool
	}{
		{0, markCall | markFailure, false, true},
		{1, markCall, true, true}, // the evaluation finds the period quiet
		{2, markCall, false, false},
		{3, markCall | markFailure, false, true},
		{4, markCall | markSlow, false, true},
		{5, markCall, false, false},
		{10, markCall, false, true}, // period 2 is not quiet
		{11, markCall, true, true},
		{5, markCall, false, true}, // late, in period 1: quiet no more
		{19, markCall, false, false},
	}
	for _, tt := range tests {
		if got := w.add(tt.now, tt.m); got != tt.want {
			t.Errorf("add(%d, %b) = %v, want %v", tt.now, tt.m, got, tt.want)
		}
		if tt.quiet {
			w.markQuiet(tt.now)
		}
	}
}

// TestTimeWindowConcurrent records from many goroutines across bucket
// boundaries; every call inside the window must be counted.
func TestTimeWindowConcurrent(t *testing.T) {
	w := newTimeWindow(200, 50) // the window spans every time used here
	addConcurrently(w)
	if got, want := w.counts(5002), (counts{8000, 4000, 0}); got != want {
		t.Fatalf("counts() = %+v, want %+v", got, want)
	}
}

// addConcurrently records 8000 calls into w from 8 goroutines, at times
// 0 to 5002, every other one failed.
func addConcurrently(w *timeWindow) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				w.add(int64(i*5+g), markCall|markFailure*uint32(i%2))
			}
		})
	}
	wg.Wait()
}

func TestPastSums(t *testing.T) {
	var p pastSums
	if _, ok := p.load(1); ok {
		t.Fatal("load on an empty cache: ok, want a miss")
	}
	p.store(3, counts{1, 2, 3})
	if got, ok := p.load(3); !ok || got != (counts{1, 2, 3}) {
		t.Fatalf("load(3) = %+v, %v, want {1 2 3}, true", got, ok)
	}
	if _, ok := p.load(4); ok {
		t.Fatal("load(4) with period 3 cached: ok, want a miss")
	}
	p.store(2, counts{9, 9, 9}) // older than the cached period: kept out
	if got, ok := p.load(3); !ok || got != (counts{1, 2, 3}) {
		t.Fatalf("after storing an older period: load(3) = %+v, %v, want {1 2 3}, true", got, ok)
	}
}

// unsettledSlots returns the number of slots of w not holding a plain
// success: what w.unsettled must read when no call is being recorded.
func unsettledSlots(w *countWindow) int64 {
	var n int64
	for i := range w.slots {
		if w.slots[i].Load() != markCall {
			n++
		}
	}
	return n
}

func TestCountWindowSettled(t *testing.T) {
	w := newCountWindow(3)
	const f, s = markCall | markFailure, markCall | markSlow
	tests := []struct {
		m    uint32
		want bool
	}{
		{markCall, false}, // two slots empty
		{markCall, false},
		{markCall, true}, // full of successes
		{markCall, true},
		{f, false},
		{markCall, false},
		{markCall, false},
		{markCall, true}, // the failure is out
		{s, false},
		{f | markSlow, false},
		{markCall, false},
		{markCall, false},
		{markCall, true},
	}
	for i, tt := range tests {
		w.add(tt.m)
		if got := w.settled(); got != tt.want {
			t.Errorf("after add #%d (%b): settled() = %v, want %v", i, tt.m, got, tt.want)
		}
		if got, want := w.unsettled.Load(), unsettledSlots(w); got != want {
			t.Errorf("after add #%d (%b): unsettled = %d, want %d", i, tt.m, got, want)
		}
	}
}

// TestCountWindowUnsettledConcurrent races many goroutines for few slots:
// once they are done, unsettled must count the slots exactly.
func TestCountWindowUnsettledConcurrent(t *testing.T) {
	w := newCountWindow(5)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				m := markCall
				if (g+i)%7 == 0 {
					m |= markFailure
				}
				w.add(m)
			}
		})
	}
	wg.Wait()
	if got, want := w.unsettled.Load(), unsettledSlots(w); got != want {
		t.Fatalf("unsettled = %d, want the slots not holding a success: %d", got, want)
	}
}

// TestTimeWindowStriped records from many goroutines into a window whose
// calls are striped: the counts, summed over the stripes, must be exact,
// and a bucket reused for a later period must be cleared in every stripe.
func TestTimeWindowStriped(t *testing.T) {
	w := newStripedTimeWindow(200, 50, 4) // the window spans every time used here
	w.calls.striped.Store(true)
	addConcurrently(w)
	if got, want := w.counts(5002), (counts{8000, 4000, 0}); got != want {
		t.Fatalf("counts(5002) = %+v, want %+v", got, want)
	}
	if got, want := w.recent(5002), (counts{8000, 4000, 0}); got != want {
		t.Fatalf("recent(5002) = %+v, want %+v", got, want)
	}
	// Period 51 reuses the bucket of period 1, and rolls it out: out go the
	// 317 calls with times below 200, 157 of them failed.
	w.add(200*50, markCall)
	if got, want := w.counts(200*50), (counts{8000 - 317 + 1, 4000 - 157, 0}); got != want {
		t.Fatalf("counts(%d) = %+v, want %+v", 200*50, got, want)
	}
	if got := w.calls.sum(1); got != 1 {
		t.Fatalf("calls of the reused bucket = %d, want 1", got)
	}
}
