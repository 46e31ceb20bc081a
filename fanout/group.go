package fanout

import (
	"context"
	"errors"
	"sync"
	"time"
)

// A Group is a task group: tasks started with [Group.Go] or [Group.TryGo]
// run on goroutines of their own, at most [DefaultLimit] (or [WithLimit]) at
// a time, and share the group's context, which the first failure cancels
// (unless [WithCollectAll] is given). [Group.Wait] waits for them all and
// returns the error that caused the cancellation, never a sibling's
// context.Canceled. It is errgroup with a default limit, panics recovered
// as [*PanicError], an optional per-task timeout and an optional
// collect-all mode ([WithCollectAll]).
//
// Use a Group when tasks are discovered as you go or differ from one
// another; for one function over a slice, [Map] and [ForEach] are several
// times cheaper. Each task costs a goroutine and a closure, like errgroup.
//
// A Group is for one batch of work: once Wait returns, its context is
// cancelled and no task can start. The zero Group is valid and behaves like
// one made by New(context.Background()).
type Group struct {
	once sync.Once
	// ctx is passed to every task. A Group keeps a context, which is
	// otherwise never stored, because it is a scope that ends at Wait: the
	// context lives exactly as long as the tasks it is given to.
	ctx     context.Context
	parent  context.Context
	cancel  context.CancelCauseFunc
	sem     chan struct{} // nil when Unlimited
	timeout time.Duration
	collect bool

	wg       sync.WaitGroup
	mu       sync.Mutex
	err      error   // fail-fast: the first error; both modes: the first panic
	errs     []error // collect-all mode: every error
	panicked bool
	refused  bool // a task was not started because the group was done

	// onClock, with a Clock, holds the tasks and the limit's slots (sem is
	// then nil); nil without one. Last, so that the fields above sit where
	// they did before the clock, and the Group is no larger.
	onClock *clockGroup
}

// New returns a Group and its context, derived from ctx. The context is
// cancelled when a task fails (in fail-fast mode, the default), when a task
// panics, when ctx is done, or when [Group.Wait] returns. Options:
// [WithLimit], [WithTaskTimeout], [WithCollectAll], [WithClock]. A nil ctx
// or a bad option is an error, and then the Group and context are nil.
func New(ctx context.Context, opts ...Option) (*Group, context.Context, error) {
	if ctx == nil {
		return nil, nil, errNilContext
	}
	cfg, err := newConfig(opts, Option.apply)
	if err != nil {
		return nil, nil, err
	}
	g := &Group{}
	g.once.Do(func() { g.init(ctx, &cfg) })
	return g, g.ctx, nil
}

func (g *Group) init(ctx context.Context, cfg *config) {
	g.parent = ctx
	g.ctx, g.cancel = context.WithCancelCause(ctx)
	switch {
	case cfg.clock != nil:
		g.onClock = newClockGroup(cfg.clock, cfg.limit)
	case cfg.limit != Unlimited:
		g.sem = make(chan struct{}, cfg.limit)
	}
	g.timeout = cfg.timeout
	g.collect = cfg.collectAll
}

// lazyInit makes the zero Group ready.
func (g *Group) lazyInit() {
	g.once.Do(func() {
		cfg, _ := newConfig(nil, Option.apply)
		g.init(context.Background(), &cfg)
	})
}

// Go runs f on a new goroutine with the group's context, waiting first
// while the limit's worth of tasks are running. It starts nothing once the
// group is done (a task failed or panicked, the parent context is done, or
// Wait returned): [Group.Wait] reports why. Like errgroup's, a Go that waits
// for room waits for a running task to return even if the group is done;
// tasks that honour their context return promptly then. (Waiting on the
// context as well would cost every waiting Go a two-way select, a third of
// a task's cost.) A nil f is reported by Wait as an error.
func (g *Group) Go(f func(context.Context) error) {
	g.lazyInit()
	if f == nil {
		g.fail(errNilFunc("Group.Go", "f"))
		return
	}
	if g.sem != nil {
		g.sem <- struct{}{}
	} else if g.onClock != nil {
		g.onClock.acquire()
	}
	g.start(f)
}

// TryGo runs f on a new goroutine like [Group.Go] if that can be done
// without waiting, and reports whether it did: false when the limit's worth
// of tasks are running, or when the group is done. A nil f is reported by
// Wait as an error.
func (g *Group) TryGo(f func(context.Context) error) bool {
	g.lazyInit()
	if f == nil {
		g.fail(errNilFunc("Group.TryGo", "f"))
		return false
	}
	if g.sem != nil {
		select {
		case g.sem <- struct{}{}:
		default:
			return false
		}
	} else if g.onClock != nil && !g.onClock.tryAcquire() {
		return false
	}
	return g.start(f)
}

// start runs f once a slot is held, unless the group is done.
func (g *Group) start(f func(context.Context) error) bool {
	if g.ctx.Err() != nil {
		g.release()
		g.refuse()
		return false
	}
	if g.onClock != nil {
		g.onClock.goroutine(func() { g.run(f) })
		return true
	}
	g.wg.Add(1)
	go g.run(f)
	return true
}

func (g *Group) run(f func(context.Context) error) {
	ok := false
	defer func() {
		if !ok {
			g.abort(recover())
		}
		g.release()
		if g.onClock == nil {
			g.wg.Done()
		}
	}()
	var err error
	if g.timeout > 0 {
		err = g.callTimeout(f)
	} else {
		err = f(g.ctx)
	}
	ok = true
	if err != nil {
		g.fail(err)
	}
}

func (g *Group) callTimeout(f func(context.Context) error) error {
	ctx, cancel := withTimeout(g.ctx, g.onClock.clock(), g.timeout)
	defer cancel()
	return f(ctx)
}

func (g *Group) release() {
	if g.sem != nil {
		<-g.sem
	} else if g.onClock != nil {
		g.onClock.release()
	}
}

// fail records a task's error: in fail-fast mode the first one, stored
// before the context is cancelled (the parent's cause if the parent is
// already done); in collect-all mode every one.
func (g *Group) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.collect {
		g.errs = append(g.errs, err)
		return
	}
	if g.err != nil {
		return
	}
	if g.parent.Err() != nil {
		err = context.Cause(g.parent)
	}
	g.err = err
	g.cancel(err)
}

// refuse records that a task was not started.
func (g *Group) refuse() {
	g.mu.Lock()
	g.refused = true
	g.mu.Unlock()
}

// abort records a panic (or runtime.Goexit, v == nil) and cancels the
// group, in both modes.
func (g *Group) abort(v any) {
	pe := newPanicError(v)
	g.mu.Lock()
	if g.collect {
		g.errs = append(g.errs, pe)
	}
	if !g.panicked {
		g.panicked = true
		g.err = pe
	}
	g.mu.Unlock()
	g.cancel(pe)
}

// Wait waits for every task started with [Group.Go] and [Group.TryGo],
// cancels the group's context and returns the group's error: in fail-fast
// mode the first failure (a [*PanicError] if a task panicked), in
// collect-all mode the [errors.Join] of every failure. If tasks were not
// started because the parent context was done, the error is (or, when
// collecting, includes) context.Cause of the parent.
func (g *Group) Wait() error {
	g.lazyInit()
	if g.onClock != nil {
		g.onClock.join()
	} else {
		g.wg.Wait()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	cause := context.Cause(g.ctx)
	var err error
	switch {
	case g.collect && g.refused && cause != g.err:
		err = errors.Join(append(g.errs[:len(g.errs):len(g.errs)], cause)...)
	case g.collect:
		err = errors.Join(g.errs...)
	case g.err == nil && g.refused:
		err = cause
	default:
		err = g.err
	}
	g.cancel(err)
	return err
}
