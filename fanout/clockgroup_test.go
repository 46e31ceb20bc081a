package fanout

import (
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/holdfast-go/holdfast/internal/clocktest"
)

// TestClockGroupJoin checks that join waits, in Clock.Wait, for every
// goroutine started with goroutine, and that they start through Clock.Go.
func TestClockGroupJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		g := newClockGroup(c, Unlimited)
		release := make(chan struct{})
		var ran atomic.Int64
		for range 2 {
			g.goroutine(func() {
				<-release
				ran.Add(1)
			})
		}
		joined := make(chan struct{})
		go func() {
			g.join()
			close(joined)
		}()
		synctest.Wait()
		select {
		case <-joined:
			t.Fatalf("join returned with goroutines running")
		default:
		}
		release <- struct{}{}
		release <- struct{}{}
		<-joined
		if gos, waits := c.Counts(); gos != 2 || waits == 0 || ran.Load() != 2 {
			t.Errorf("Clock.Go = %d, Clock.Wait = %d, ran = %d, want 2, > 0, 2", gos, waits, ran.Load())
		}
	})
}

// TestClockGroupSlots checks the limit's slots: tryAcquire refuses at the
// limit, and acquire waits in Clock.Wait until a release.
func TestClockGroupSlots(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		g := newClockGroup(c, 1)
		if !g.tryAcquire() || g.tryAcquire() {
			t.Fatalf("tryAcquire with a limit of 1: want true, then false")
		}
		got := make(chan struct{})
		go func() {
			g.acquire()
			close(got)
		}()
		synctest.Wait()
		select {
		case <-got:
			t.Fatalf("acquire returned with the limit reached")
		default:
		}
		g.release()
		<-got
	})
}
