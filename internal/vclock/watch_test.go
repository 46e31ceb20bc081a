package vclock_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/internal/clocktest"
	"github.com/holdfast-go/holdfast/internal/vclock"
)

// parkClock is a test clock that is a Parker: Park blocks on a channel
// that the wake function closes.
type parkClock struct {
	*clocktest.Clock
}

func (parkClock) Park(arm func(wake func())) {
	ch := make(chan struct{})
	var once sync.Once
	arm(func() { once.Do(func() { close(ch) }) })
	<-ch
}

// count returns a function counting its calls, and the count.
func count() (func(), *int) {
	n := new(int)
	return func() { *n++ }, n
}

func TestWatchTimer(t *testing.T) {
	c := parkClock{clocktest.New(epoch)}
	ctx, cancel := vclock.WithTimeout(context.Background(), c, time.Second)
	defer cancel()
	child, cancelChild := vclock.WithTimeout(ctx, c, time.Hour) // the parent's deadline comes first
	defer cancelChild()
	grandchild, cancelGrandchild := vclock.WithTimeout(child, c, time.Hour)
	defer cancelGrandchild()
	f, n := count()
	g, m := count()
	stopped, s := count()
	vclock.Watch(ctx, f)
	vclock.Watch(grandchild, g)
	stop, ok := vclock.Watch(child, stopped)
	if !ok {
		t.Fatalf("Watch(child) ok = false, want true")
	}
	stop.Stop()
	c.Advance(999 * time.Millisecond)
	if *n != 0 || *m != 0 {
		t.Fatalf("watchers called %d and %d times before the deadline, want 0", *n, *m)
	}
	c.Advance(time.Millisecond)
	if *n != 1 || *m != 1 || *s != 0 {
		t.Errorf("at the deadline: watchers called %d, %d and (stopped) %d times, want 1, 1, 0", *n, *m, *s)
	}
	if grandchild.Err() == nil {
		t.Errorf("grandchild not done at its ancestor's deadline")
	}
	// Watching an ended context calls f at once.
	f2, n2 := count()
	if _, ok := vclock.Watch(grandchild, f2); !ok || *n2 != 1 {
		t.Errorf("Watch(ended) = %v, called %d times, want true and 1", ok, *n2)
	}
}

func TestWatchCancel(t *testing.T) {
	c := parkClock{clocktest.New(epoch)}
	ctx, cancel := vclock.WithTimeout(context.Background(), c, time.Second)
	child, cancelChild := vclock.WithTimeout(ctx, c, 2*time.Second) // a plain child
	own, cancelOwn := vclock.WithTimeout(ctx, c, time.Millisecond)
	f, n := count()
	g, m := count()
	h, k := count()
	vclock.Watch(ctx, f)
	vclock.Watch(child, g)
	vclock.Watch(own, h)
	cancelChild()
	if *m != 1 || *n != 0 {
		t.Errorf("after the child's cancel: child's watcher called %d times, parent's %d, want 1 and 0", *m, *n)
	}
	cancelOwn()
	cancel()
	cancel()
	if *n != 1 || *k != 1 {
		t.Errorf("after cancel: watchers called %d and %d times, want 1 and 1", *n, *k)
	}
	if c.Pending() != 0 {
		t.Errorf("%d timers left after every cancel, want 0", c.Pending())
	}
	// A deadline already passed is ended at once.
	past, cancelPast := vclock.WithDeadline(context.Background(), c, epoch.Add(-time.Second))
	defer cancelPast()
	f3, n3 := count()
	if _, ok := vclock.Watch(past, f3); !ok || *n3 != 1 {
		t.Errorf("Watch(passed deadline) = %v, called %d times, want true and 1", ok, *n3)
	}
}

// TestWatchable checks which contexts Watch can watch: those that never
// end, and this package's contexts on a Parker whose ancestors are such.
func TestWatchable(t *testing.T) {
	p := parkClock{clocktest.New(epoch)}
	plain := clocktest.New(epoch)
	opaque, cancel := context.WithCancel(context.Background())
	defer cancel()
	onPark, cancel1 := vclock.WithTimeout(context.Background(), p, time.Second)
	defer cancel1()
	onPlain, cancel2 := vclock.WithTimeout(context.Background(), plain, time.Second)
	defer cancel2()
	underOpaque, cancel3 := vclock.WithTimeout(opaque, p, time.Second)
	defer cancel3()
	tests := []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"Background", context.Background(), true},
		{"on a Parker", onPark, true},
		{"on a clock that is not a Parker", onPlain, false},
		{"context.WithCancel", opaque, false},
		{"under a context.WithCancel", underOpaque, false},
		{"a value under one on a Parker", context.WithValue(onPark, key{}, 1), false},
	}
	for _, tt := range tests {
		if got := vclock.Watchable(tt.ctx); got != tt.want {
			t.Errorf("Watchable(%s) = %v, want %v", tt.name, got, tt.want)
		}
		if _, ok := vclock.Watch(tt.ctx, func() {}); ok != tt.want {
			t.Errorf("Watch(%s) ok = %v, want %v", tt.name, ok, tt.want)
		}
	}
}

type key struct{}

// TestSleepParks checks Sleep on a Parker: it parks, and wakes at the end
// of the delay or when ctx ends.
func TestSleepParks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := parkClock{clocktest.New(epoch)}
		done := make(chan bool)
		go func() { done <- vclock.Sleep(context.Background(), c, time.Second) }()
		synctest.Wait()
		if _, waits := c.Counts(); waits != 0 {
			t.Errorf("Sleep on a Parker waited %d times on a channel, want 0 (it parks)", waits)
		}
		c.Advance(time.Second)
		if !<-done {
			t.Errorf("Sleep() = false after the whole delay, want true")
		}
		ctx, cancel := vclock.WithTimeout(context.Background(), c, time.Minute)
		go func() { done <- vclock.Sleep(ctx, c, time.Second) }()
		synctest.Wait()
		cancel()
		if <-done {
			t.Errorf("Sleep() = true after ctx ended, want false")
		}
		if c.Pending() != 0 {
			t.Errorf("%d timers left after Sleep, want 0", c.Pending())
		}
	})
}
