package vclock_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/internal/clocktest"
	"github.com/holdfast-go/holdfast/internal/vclock"
)

var epoch = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

func TestWithDeadline(t *testing.T) {
	c := clocktest.New(epoch)
	ctx, cancel := vclock.WithDeadline(context.Background(), c, epoch.Add(time.Second))
	defer cancel()
	child, childCancel := context.WithCancel(ctx)
	defer childCancel()
	if dl, ok := ctx.Deadline(); !ok || !dl.Equal(epoch.Add(time.Second)) {
		t.Errorf("Deadline() = %v, %v, want %v, true", dl, ok, epoch.Add(time.Second))
	}
	c.Advance(999 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatalf("Err() before the deadline = %v, want nil", ctx.Err())
	}
	c.Advance(time.Millisecond)
	if ctx.Err() != context.DeadlineExceeded || context.Cause(child) != context.DeadlineExceeded {
		t.Errorf("at the deadline: Err() = %v, child's Cause = %v, want DeadlineExceeded", ctx.Err(), context.Cause(child))
	}
	select {
	case <-child.Done(): // cancelled synchronously by the timer
	default:
		t.Errorf("child not done at the deadline")
	}
}

func TestWithDeadlineCases(t *testing.T) {
	c := clocktest.New(epoch)
	// A parent with an earlier deadline keeps it.
	parent, cancel := vclock.WithDeadline(context.Background(), c, epoch.Add(time.Second))
	defer cancel()
	ctx, cancel2 := vclock.WithTimeout(parent, c, time.Hour)
	defer cancel2()
	if dl, _ := ctx.Deadline(); !dl.Equal(epoch.Add(time.Second)) {
		t.Errorf("Deadline() under an earlier parent = %v, want the parent's", dl)
	}
	// A deadline already passed ends the child at once.
	past, cancel3 := vclock.WithDeadline(context.Background(), c, epoch.Add(-time.Second))
	defer cancel3()
	if past.Err() != context.DeadlineExceeded {
		t.Errorf("Err() of a passed deadline = %v, want DeadlineExceeded", past.Err())
	}
	// A cause that wraps DeadlineExceeded is kept, and Err says so.
	cause := &wrapped{}
	cctx, cancel4 := vclock.WithDeadlineCause(context.Background(), c, epoch.Add(time.Millisecond), cause)
	defer cancel4()
	c.Advance(time.Millisecond)
	if context.Cause(cctx) != cause || cctx.Err() != context.DeadlineExceeded {
		t.Errorf("Cause = %v, Err = %v, want the cause and DeadlineExceeded", context.Cause(cctx), cctx.Err())
	}
	// Cancelling stops the timer and reads as Canceled.
	before := c.Pending()
	x, cancel5 := vclock.WithTimeout(context.Background(), c, time.Second)
	cancel5()
	if x.Err() != context.Canceled || c.Pending() != before {
		t.Errorf("after cancel: Err = %v, %d timers pending, want Canceled and the timer stopped", x.Err(), c.Pending())
	}
}

type wrapped struct{}

func (*wrapped) Error() string { return "layer timed out" }
func (*wrapped) Unwrap() error { return context.DeadlineExceeded }

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clocktest.New(epoch)
		done := make(chan bool)
		go func() { done <- vclock.Sleep(context.Background(), c, time.Second) }()
		synctest.Wait()
		c.Advance(time.Second)
		if !<-done {
			t.Errorf("Sleep() = false after the whole delay, want true")
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { done <- vclock.Sleep(ctx, c, time.Second) }()
		synctest.Wait()
		cancel()
		if <-done {
			t.Errorf("Sleep() = true after ctx ended, want false")
		}
		if vclock.Sleep(ctx, c, 0) || !vclock.Sleep(context.Background(), c, 0) {
			t.Errorf("Sleep(0) should report only whether ctx is live")
		}
	})
}
