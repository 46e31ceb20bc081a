package fanout

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/internal/vclock"
)

// strictClock is a Clock that runs like a simulator's (package sim's):
// one goroutine at a time, each started by Go, giving up its turn only by
// returning or by blocking in Wait; time moves to the next timer only when
// none can run. A call that blocked anywhere but in Wait would stop the
// whole run; inside a synctest bubble that is a reported deadlock, not a
// hang.
type strictClock struct {
	now     time.Time
	timers  []*strictTimer
	seq     int
	runq    []*strictActor
	waiters []*strictActor
	cur     *strictActor
	live    int
	done    chan struct{}
}

type strictActor struct {
	resume chan struct{}
	wait   <-chan struct{}
}

type strictTimer struct {
	c   *strictClock
	at  time.Time
	seq int
	f   func()
}

func (c *strictClock) Now() time.Time { return c.now }

func (c *strictClock) AfterFunc(d time.Duration, f func()) interface{ Stop() bool } {
	t := &strictTimer{c: c, at: c.now.Add(max(d, 0)), seq: c.seq, f: f}
	c.seq++
	c.timers = append(c.timers, t)
	return t
}

func (t *strictTimer) Stop() bool {
	i := slices.Index(t.c.timers, t)
	if i < 0 {
		return false
	}
	t.c.timers = slices.Delete(t.c.timers, i, i+1)
	return true
}

func (c *strictClock) Go(f func()) {
	a := &strictActor{resume: make(chan struct{}, 1)}
	c.live++
	c.runq = append(c.runq, a)
	go func() {
		<-a.resume
		f()
		c.live--
		c.handoff(nil)
	}()
}

func (c *strictClock) Wait(ch <-chan struct{}) {
	select {
	case <-ch:
		return
	default:
	}
	a := c.cur
	a.wait = ch
	c.waiters = append(c.waiters, a)
	c.handoff(a)
}

// handoff gives self's turn to the next actor and parks self until its
// turn comes again (self nil: its goroutine ends).
func (c *strictClock) handoff(self *strictActor) {
	a := c.next()
	switch {
	case a == self && a != nil:
		return
	case a == nil:
		c.done <- struct{}{}
	default:
		c.cur = a
		a.resume <- struct{}{}
	}
	if self != nil {
		<-self.resume
	}
}

// next returns the next actor that can run, firing timers in time order
// until one can; nil when none can and no timer is left.
func (c *strictClock) next() *strictActor {
	for {
		if len(c.runq) > 0 {
			a := c.runq[0]
			c.runq = c.runq[1:]
			return a
		}
		for i, a := range c.waiters {
			select {
			case <-a.wait:
				c.waiters = slices.Delete(c.waiters, i, i+1)
				return a
			default:
			}
		}
		if len(c.timers) == 0 {
			return nil
		}
		t := slices.MinFunc(c.timers, func(a, b *strictTimer) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return a.seq - b.seq
		})
		t.Stop()
		c.now = t.at
		t.f()
	}
}

// runStrict runs f as the first actor of a strictClock until nothing can
// run, and returns the virtual time that passed. It fails the test if
// goroutines are left blocked in Wait.
func runStrict(t *testing.T, f func(c *strictClock)) time.Duration {
	t.Helper()
	c := &strictClock{now: epoch, done: make(chan struct{}, 1)}
	c.Go(func() { f(c) })
	c.cur = c.next()
	c.cur.resume <- struct{}{}
	<-c.done
	if c.live != 0 {
		t.Fatalf("%d goroutines left blocked in Wait with no timer to wake them", c.live)
	}
	return c.now.Sub(epoch)
}

// TestStrictClock runs every call on a clock that lets one goroutine run at
// a time and moves time only when all are blocked in Wait, as package sim
// does: the calls finish (so they block nowhere else), their timeouts and
// sleeps take the virtual time they should, and no wall time.
func TestStrictClock(t *testing.T) {
	sleep := func(c *strictClock, d time.Duration) func(context.Context) error {
		return func(ctx context.Context) error {
			if !vclock.Sleep(ctx, c, d) {
				return ctx.Err()
			}
			return nil
		}
	}
	tests := []struct {
		name string
		run  func(t *testing.T, c *strictClock)
		want time.Duration // virtual time the run takes
	}{
		{"task timeouts", func(t *testing.T, c *strictClock) {
			for _, call := range clockCalls { // one after another
				errs := call.run(c, 4, time.Hour, func(ctx context.Context) error {
					c.Wait(ctx.Done())
					return ctx.Err()
				})
				if len(errs) != 4 || slices.ContainsFunc(errs, func(err error) bool { return !errors.Is(err, context.DeadlineExceeded) }) {
					t.Errorf("%s: errors %v, want 4 DeadlineExceeded", call.name, errs)
				}
			}
		}, time.Duration(len(clockCalls)) * time.Hour},
		{"Map under its limit", func(t *testing.T, c *strictClock) {
			err := ForEach(context.Background(), make([]int, 4), func(ctx context.Context, _ int) error {
				return sleep(c, time.Second)(ctx)
			}, WithLimit(2), WithClock(c))
			if err != nil {
				t.Errorf("ForEach = %v, want nil", err)
			}
		}, 2 * time.Second},
		{"Group under its limit", func(t *testing.T, c *strictClock) {
			g, _, _ := New(context.Background(), WithLimit(1), WithClock(c))
			for range 3 {
				g.Go(sleep(c, time.Second))
			}
			if err := g.Wait(); err != nil {
				t.Errorf("Group.Wait = %v, want nil", err)
			}
		}, 3 * time.Second},
		{"Stream in order", func(t *testing.T, c *strictClock) {
			var got []int
			for v, err := range Stream(context.Background(), slices.Values([]int{3, 1, 2}), func(ctx context.Context, x int) (int, error) {
				return x, sleep(c, time.Duration(x)*time.Second)(ctx)
			}, WithLimit(3), WithClock(c)) {
				if err != nil {
					t.Errorf("Stream yielded %v, want no error", err)
				}
				got = append(got, v)
			}
			if !slices.Equal(got, []int{3, 1, 2}) {
				t.Errorf("Stream yielded %v, want [3 1 2]", got)
			}
		}, 3 * time.Second},
		{"Hedge", func(t *testing.T, c *strictClock) {
			n := 0
			v, err := Hedge(context.Background(), func(ctx context.Context) (int, error) {
				n++
				d := time.Hour // the first call is slow; the backup is quick
				if n > 1 {
					d = 10 * time.Millisecond
				}
				return n, sleep(c, d)(ctx)
			}, 50*time.Millisecond, WithClock(c))
			if v != 2 || err != nil {
				t.Errorf("Hedge = %d, %v, want 2, nil", v, err)
			}
		}, 60 * time.Millisecond},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			if got := runStrict(t, func(c *strictClock) { tt.run(t, c) }); got != tt.want {
				t.Errorf("%s: virtual time = %v, want %v", tt.name, got, tt.want)
			}
			if d := time.Since(start); d != 0 {
				t.Errorf("%s: bubble time passed = %v, want 0 (no timer of package time)", tt.name, d)
			}
		})
	}
}
