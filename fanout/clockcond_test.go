package fanout

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/holdfast-go/holdfast/internal/clocktest"
)

// TestClockCondBroadcastBeforeWait checks that a broadcast between a
// waiter's epoch and its wait is not lost: the wait returns at once,
// without calling Clock.Wait.
func TestClockCondBroadcastBeforeWait(t *testing.T) {
	c := clocktest.New(epoch)
	cond := newClockCond(c, context.Background())
	e := cond.epoch()
	cond.broadcast()
	cond.wait(e) // would block forever if the broadcast were lost
	if _, waits := c.Counts(); waits != 0 {
		t.Errorf("Clock.Wait calls = %d, want 0", waits)
	}
}

// TestClockCondWakesAll checks that a broadcast wakes every waiter, which
// wait in Clock.Wait meanwhile.
func TestClockCondWakesAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		cond := newClockCond(c, context.Background())
		done := make(chan struct{})
		for range 3 {
			go func() {
				cond.wait(cond.epoch())
				done <- struct{}{}
			}()
		}
		synctest.Wait()
		if _, waits := c.Counts(); waits != 3 {
			t.Errorf("Clock.Wait calls = %d, want 3", waits)
		}
		cond.broadcast()
		for range 3 {
			<-done
		}
	})
}

// TestClockCondBase checks that a wait ends once the base context is done.
func TestClockCondBase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cond := newClockCond(clocktest.New(epoch), ctx)
		done := make(chan struct{})
		go func() {
			cond.wait(cond.epoch())
			close(done)
		}()
		synctest.Wait()
		cancel()
		<-done
	})
}
