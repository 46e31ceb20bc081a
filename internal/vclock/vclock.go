// Package vclock holds what the pattern packages share to run on a Clock
// set with their WithClock option: contexts whose deadline is on that clock
// and a sleep that waits through it. Each package declares its own Clock
// interface with the same four methods, so that one value (the simulator's
// clock) satisfies them all; this package's Clock is that same shape.
//
// On a clock that is also a [Parker] (the simulator's), the contexts of
// WithDeadline record what waits on them, so that [Watch] is told when
// one ends, and Sleep parks rather than waits on a channel: the clock
// then need not look at a blocked goroutine's channel to learn that it
// can go on. The packages see no difference.
package vclock

import (
	"context"
	"errors"
	"time"
)

// Clock is the shape of every package's Clock: see retry.Clock.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) interface{ Stop() bool }
	Go(f func())
	Wait(ch <-chan struct{})
}

// deadlineCtx is a context whose deadline is on a Clock: it reports the
// deadline through Deadline and is cancelled, with context.DeadlineExceeded
// as its cause, by a timer of the clock. It embeds a context.WithCancelCause
// child, so that contexts derived from it with the context package are
// registered with that child and cancelled synchronously (no goroutine).
type deadlineCtx struct {
	context.Context
	deadline time.Time
	node     *node // on a Parker only: see Watch
}

func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Err returns context.DeadlineExceeded once the clock's timer (or a parent's
// deadline) ended c, and context.Canceled when it was cancelled.
func (c *deadlineCtx) Err() error {
	err := c.Context.Err()
	if err != nil && errors.Is(context.Cause(c.Context), context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// WithDeadline is context.WithDeadline on clock c: the child's deadline is
// t, it ends when c reaches t, and it starts no real timer. When ctx ends
// first (or its deadline is not after t), the child is a plain cancelable
// child of ctx, as with the context package.
func WithDeadline(ctx context.Context, c Clock, t time.Time) (context.Context, context.CancelFunc) {
	return WithDeadlineCause(ctx, c, t, nil)
}

// WithDeadlineCause is WithDeadline with the cause the child gets when its
// deadline passes (context.DeadlineExceeded if nil); the cause should match
// context.DeadlineExceeded with errors.Is, as a deadline.TimeoutError does.
func WithDeadlineCause(ctx context.Context, c Clock, t time.Time, cause error) (context.Context, context.CancelFunc) {
	var n *node
	if _, ok := c.(Parker); ok {
		n = newNode(ctx)
	}
	if dl, ok := ctx.Deadline(); ok && !dl.After(t) {
		child, cancel := context.WithCancel(ctx)
		if n == nil {
			return child, cancel
		}
		return &childCtx{child, n}, func() {
			cancel()
			n.end()
		}
	}
	if cause == nil {
		cause = context.DeadlineExceeded
	}
	inner, cancel := context.WithCancelCause(ctx)
	d := t.Sub(c.Now())
	if d <= 0 {
		cancel(cause)
		n.end()
		return &deadlineCtx{inner, t, n}, func() { cancel(context.Canceled) }
	}
	timer := c.AfterFunc(d, func() {
		cancel(cause)
		n.end()
	})
	return &deadlineCtx{inner, t, n}, func() {
		timer.Stop()
		cancel(context.Canceled)
		n.end()
	}
}

// WithTimeout is WithDeadline(ctx, c, c.Now().Add(d)).
func WithTimeout(ctx context.Context, c Clock, d time.Duration) (context.Context, context.CancelFunc) {
	return WithDeadline(ctx, c, c.Now().Add(d))
}

// Sleep waits d on clock c, or until ctx ends, and reports whether the whole
// of d passed (false: ctx ended first). It blocks only in c.Wait or, when
// c is a [Parker] and ctx is [Watchable], in c.Park.
func Sleep(ctx context.Context, c Clock, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	if p, ok := c.(Parker); ok && Watchable(ctx) {
		var t interface{ Stop() bool }
		var w Watching
		p.Park(func(wake func()) {
			t = c.AfterFunc(d, wake)
			w, _ = Watch(ctx, wake)
		})
		t.Stop()
		w.Stop()
		return ctx.Err() == nil
	}
	wake, cancel := context.WithCancel(ctx)
	t := c.AfterFunc(d, cancel)
	c.Wait(wake.Done())
	t.Stop()
	cancel()
	return ctx.Err() == nil
}
