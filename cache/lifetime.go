package cache

import (
	"context"
	"sync"
	"time"
)

// lifetime is the life of a Cache, which Close ends. The goroutines that
// run loads and refreshes register with it, so that Close can wait for
// them, and run under contexts it detaches from their callers, which it
// cancels.
type lifetime struct {
	ctx    context.Context // cancelled when the lifetime ends
	cancel context.CancelFunc

	mu    sync.Mutex
	ended bool
	tasks sync.WaitGroup
}

func newLifetime() *lifetime {
	ctx, cancel := context.WithCancel(context.Background())
	return &lifetime{ctx: ctx, cancel: cancel}
}

// enter registers a task, unless the lifetime has ended.
func (l *lifetime) enter() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return false
	}
	l.tasks.Add(1)
	return true
}

// exit unregisters a task.
func (l *lifetime) exit() { l.tasks.Done() }

// end ends the lifetime, cancelling the detached contexts, and waits for
// the tasks.
func (l *lifetime) end() {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return
	}
	l.ended = true
	l.mu.Unlock()
	l.cancel()
	l.tasks.Wait()
}

// detach returns a context with the values of parent but not its
// cancellation or deadline, done after timeout, when the lifetime ends, or
// when cancel is called: loads run under it, so that no single caller's
// cancellation stops them.
func (l *lifetime) detach(parent context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), timeout)
	stop := context.AfterFunc(l.ctx, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}
