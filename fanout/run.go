package fanout

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// errSkipped marks, in collect-all mode, an item that a worker claimed but
// did not run because the call was cancelled. It never leaves the package:
// result replaces it with the cause of the cancellation.
var errSkipped = errors.New("fanout: skipped")

// runner runs task(ctx, i) for every i in [0, n) on at most a limit of
// workers that claim indexes from a shared counter: one goroutine per
// worker, not per item, and no allocation per item. It is the engine of Map, ForEach and
// MapAll. The calling goroutine is one of the workers, so a limit of 1
// starts no goroutine at all.
type runner struct {
	parent  context.Context
	ctx     context.Context // derived from parent; cancelled on failure
	cancel  context.CancelCauseFunc
	task    func(context.Context, int) error
	n       int
	timeout time.Duration
	errs    []error     // collect-all mode: the error of each item; nil in fail-fast mode
	onClock *clockGroup // with a Clock (WithClock), the workers it started; nil without one

	// next is the next index to claim. The padding keeps the cache line
	// every worker writes away from the fields around it, which they read
	// (128 bytes: some CPUs fetch cache lines in pairs). The first pad is
	// 120 bytes: onClock, read only as a worker starts and ends, takes the
	// rest, so that the runner is no larger than it was before the clock.
	_    [120]byte
	next atomic.Int64
	_    [128]byte

	// done is set once ctx is done, and workers read it before each item:
	// an atomic load of memory written once, where polling ctx.Done() or
	// ctx.Err() per item cost a third of a trivial item's time. The runner
	// sets it itself when it cancels ctx (a failure, a panic) and when a
	// call returns an error while ctx is done; a parent that is done sets
	// it through context.AfterFunc.
	done atomic.Bool

	// spare is how many workers are left to start (see start).
	spare atomic.Int64

	wg       sync.WaitGroup
	mu       sync.Mutex
	err      error // fail-fast: the first error; both modes: the first panic
	panicked bool
}

// run runs task over n items with cfg's limit, timeout and mode. In
// fail-fast mode it returns the first error. In collect-all mode it returns
// every item's error (the cause of the cancellation for items that did not
// run) and their errors.Join.
func run(parent context.Context, n int, cfg *config, task func(context.Context, int) error) ([]error, error) {
	r := &runner{parent: parent, task: task, n: n, timeout: cfg.timeout}
	if cfg.collectAll {
		r.errs = make([]error, n)
	}
	if n == 0 {
		return r.errs, nil
	}
	r.ctx, r.cancel = context.WithCancelCause(parent)
	defer r.cancel(nil)
	if cfg.clock != nil {
		// No context.AfterFunc: its goroutine is not the clock's. The
		// workers check ctx before each item instead.
		r.onClock = newClockGroup(cfg.clock, cfg.limit)
	} else if parent.Done() != nil {
		stop := context.AfterFunc(parent, r.stop)
		defer stop()
	}
	if parent.Err() == nil {
		r.start(cfg.workers(n))
	}
	return r.result()
}

// start runs the workers, one of them on the calling goroutine, and returns
// when all have returned, even if this goroutine exits through
// runtime.Goexit in a task.
//
// The workers start one another in a tree: each starts two more as it
// begins, while items are left to claim, so that all of them run within
// log2(workers) goroutine starts, and a call whose items are all claimed
// before then (ten trivial items, say) starts fewer goroutines than the
// limit allows.
func (r *runner) start(workers int) {
	defer r.join()
	r.spare.Store(int64(workers - 1))
	if r.onClock != nil {
		r.workClock()
		return
	}
	r.work()
}

// join waits for the workers started, in Clock.Wait if there is a clock.
func (r *runner) join() {
	if r.onClock != nil {
		r.onClock.join()
		return
	}
	r.wg.Wait()
}

// spawn starts up to two more workers, while workers are left to start and
// items to claim. The caller is a worker, whose count in wg is not yet
// released, so wg cannot be at zero here. On a Clock the workers are
// counted by onClock instead; the calling goroutine, not counted there,
// spawns only before its first item, so the count cannot rise again once
// join has seen it at zero.
func (r *runner) spawn() {
	for range 2 {
		if r.next.Load() >= int64(r.n) || !r.takeSpare() {
			return
		}
		if r.onClock != nil {
			r.onClock.goroutine(r.workClock)
			continue
		}
		r.wg.Add(1)
		go r.spawned()
	}
}

// takeSpare takes one of the workers left to start, if any.
func (r *runner) takeSpare() bool {
	for {
		s := r.spare.Load()
		if s <= 0 {
			return false
		}
		if r.spare.CompareAndSwap(s, s-1) {
			return true
		}
	}
}

func (r *runner) spawned() {
	defer r.wg.Done()
	r.work()
}

// work claims and runs items until none is left or the call is cancelled.
func (r *runner) work() {
	i, ok := -1, false
	defer func() {
		if !ok {
			r.abort(i, recover())
		}
	}()
	r.spawn()
	n, task, ctx, timeout := r.n, r.task, r.ctx, r.timeout
	for {
		i = int(r.next.Add(1)) - 1
		if i >= n {
			break
		}
		if r.done.Load() {
			r.skip(i)
			ok = true
			return
		}
		var err error
		if timeout > 0 {
			err = r.callTimeout(ctx, i)
		} else {
			err = task(ctx, i)
		}
		if err != nil {
			r.fail(i, err)
		}
	}
	ok = true
}

// workClock is work on a Clock. No context.AfterFunc watches the parent
// there (its goroutine would not be the clock's), so the worker checks ctx
// before each item as well as done. It is a copy of work rather than a
// flag in it so that work, the loop of every call without a clock, stays
// as it was: the clock costs it nothing per item.
func (r *runner) workClock() {
	i, ok := -1, false
	defer func() {
		if !ok {
			r.abort(i, recover())
		}
	}()
	r.spawn()
	n, task, ctx, timeout := r.n, r.task, r.ctx, r.timeout
	for {
		i = int(r.next.Add(1)) - 1
		if i >= n {
			break
		}
		if r.done.Load() || ctx.Err() != nil {
			r.skip(i)
			ok = true
			return
		}
		var err error
		if timeout > 0 {
			err = r.callTimeout(ctx, i)
		} else {
			err = task(ctx, i)
		}
		if err != nil {
			r.fail(i, err)
		}
	}
	ok = true
}

func (r *runner) callTimeout(ctx context.Context, i int) error {
	ctx, cancel := withTimeout(ctx, r.onClock.clock(), r.timeout)
	defer cancel()
	return r.task(ctx, i)
}

// stop makes the workers start no new item.
func (r *runner) stop() { r.done.Store(true) }

// fail records item i's error. In fail-fast mode the first error is stored
// before the context is cancelled, so that the error reported is the one
// that caused the cancellation, not a sibling's context.Canceled. An error
// that arrives once the parent is done is the parent's doing: the parent's
// cause is reported instead. An error is often how a call reports that ctx
// is done, so fail checks ctx and stops the workers at once if it is,
// without waiting for context.AfterFunc.
func (r *runner) fail(i int, err error) {
	if r.errs != nil {
		r.errs[i] = err
		if r.ctx.Err() != nil {
			r.stop()
		}
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	if r.parent.Err() != nil {
		err = context.Cause(r.parent)
	}
	r.err = err
	r.stop()
	r.cancel(err)
}

// skip records that item i was claimed but not run.
func (r *runner) skip(i int) {
	if r.errs != nil {
		r.errs[i] = errSkipped
		return
	}
	r.fail(i, context.Cause(r.ctx))
}

// abort records a panic (or runtime.Goexit, v == nil) in item i and cancels
// the rest, in both modes.
func (r *runner) abort(i int, v any) {
	pe := newPanicError(v)
	if r.errs != nil && i >= 0 && i < r.n {
		r.errs[i] = pe
	}
	r.mu.Lock()
	if !r.panicked {
		r.panicked = true
		r.err = pe
	}
	r.mu.Unlock()
	r.stop()
	r.cancel(pe)
}

// result is called once every worker has returned.
func (r *runner) result() ([]error, error) {
	if r.errs == nil {
		if r.err == nil && r.next.Load() < int64(r.n) {
			// Only when the parent was done before any worker started.
			return nil, context.Cause(r.parent)
		}
		return nil, r.err
	}
	cause := context.Cause(r.ctx)
	var failed []error
	skipped := false
	for i, err := range r.errs {
		switch {
		case err == errSkipped:
			r.errs[i], skipped = cause, true
		case err != nil:
			failed = append(failed, err)
		}
	}
	for i := int(min(r.next.Load(), int64(r.n))); i < r.n; i++ {
		r.errs[i], skipped = cause, true
	}
	if skipped && cause != r.err { // a panic's cause is in failed already
		failed = append(failed, cause)
	}
	return r.errs, errors.Join(failed...)
}
