package sim

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestTimerHeap checks that timers fire in time order, those set for the
// same time in the order they were set, whatever is stopped meanwhile.
func TestTimerHeap(t *testing.T) {
	c := newClock()
	rng := rand.New(rand.NewPCG(1, 2))
	type fired struct {
		at  time.Duration
		set int
	}
	var got []fired
	var timers []interface{ Stop() bool }
	stopped := make(map[int]bool)
	for i := range 2000 {
		at := time.Duration(rng.IntN(50)) * time.Millisecond
		timers = append(timers, c.AfterFunc(at, func() { got = append(got, fired{c.Since(), i}) }))
		if i%3 == 0 {
			j := rng.IntN(len(timers))
			if timers[j].Stop() != !stopped[j] {
				t.Fatalf("Stop() of timer %d = %v, want %v", j, stopped[j], !stopped[j])
			}
			stopped[j] = true
		}
	}
	if err := c.run(); err != nil {
		t.Fatal(err)
	}
	if want := len(timers) - len(stopped); len(got) != want {
		t.Fatalf("%d timers fired, want %d", len(got), want)
	}
	for i, f := range got {
		if stopped[f.set] {
			t.Errorf("timer %d fired after Stop", f.set)
		}
		if i > 0 && (f.at < got[i-1].at || f.at == got[i-1].at && f.set < got[i-1].set) {
			t.Errorf("timer %d at %v fired after timer %d at %v", f.set, f.at, got[i-1].set, got[i-1].at)
		}
	}
	if timers[0].Stop() {
		t.Errorf("Stop() of a fired timer = true, want false")
	}
}
