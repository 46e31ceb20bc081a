package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Pool is a fixed set of worker goroutines that call a handler on items
// taken from a bounded [Queue]. It is safe for concurrent use.
//
// [NewPool] starts the workers; [Pool.Shutdown] stops them. A Pool must be
// shut down, or its workers outlive it.
//
// Nothing accepted is lost: every item for which [Pool.Submit] or
// [Pool.TrySubmit] returned nil ends in exactly one of these places:
//
//   - handled: the handler returned nil ([Stats].Handled);
//   - failed: the handler returned an error or panicked, and the item went
//     to the [WithOnError] hook ([Stats].Failed);
//   - dropped: the [DropOldest] policy removed it and it went to the
//     [WithOnDrop] hook ([Stats].Dropped);
//   - returned: Shutdown's deadline came first and Shutdown returned it
//     unhandled ([Stats].Returned).
//
// The cost per item over a channel feeding goroutines is a few atomic
// operations, around 15 to 30ns, and no allocation (unless
// [WithItemTimeout] is set: it allocates the item's context); see Cost in
// the package doc.
type Pool[T any] struct {
	q        *Queue[slot[T]]
	handler  func(context.Context, T) error
	overflow Overflow
	limiter  *rate.Limiter // nil: no rate limit
	timeout  time.Duration
	onError  func(T, error)
	onDrop   func(T)
	observer Observer
	epoch    time.Time // slots' submit times are durations since epoch

	// cancel cancels the context of the handlers; Shutdown calls it when
	// its own ctx expires.
	cancel context.CancelFunc

	workers []workerStats
	live    atomic.Int32  // workers still running
	done    chan struct{} // closed by the last worker to return
	shut    atomic.Bool   // Shutdown has been called

	// waiters counts goroutines in Wait, and stopped is set just before
	// cancel is called. Workers read both for every item (stopped is
	// cheaper to read than ctx.Err), so they have a cache line of their
	// own that is seldom written.
	_       [cacheLine]byte
	waiters atomic.Int32
	stopped atomic.Bool
	_       [cacheLine]byte

	// Every call to Submit and TrySubmit is an attempt, counted in
	// q.submits (on the cache line of the lock that a submit takes anyway;
	// it is the only count that submitters write for an accepted item). An
	// attempt is pending until it settles: refused (not accepted), handled,
	// failed, dropped or returned. The workers' counts are in workers.
	refused  atomic.Uint64 // not accepted: ErrFull, ErrClosed or ctx
	rejected atomic.Uint64 // refused with ErrFull
	dropped  atomic.Uint64
	returned atomic.Uint64 // queued items returned by Shutdown

	mu        sync.Mutex
	idle      chan struct{} // closed and replaced when nothing is pending
	unhandled []T           // items for Shutdown to return
	hookPanic error         // the first panic of the error hook
}

// workerStats are one worker's counts. Only that worker writes them, and
// they fill a cache line so that workers do not contend for one.
type workerStats struct {
	taken    atomic.Uint64 // items received from the queue
	handled  atomic.Uint64
	failed   atomic.Uint64
	returned atomic.Uint64 // interrupted by Shutdown
	_        [cacheLine - 32]byte
}

// NewPool returns a pool that calls handler on every item submitted to it,
// from [WithWorkers] goroutines that it starts now. Call [Pool.Shutdown]
// to stop them.
//
// The handler's ctx is cancelled when a Shutdown's ctx expires (and, with
// [WithItemTimeout], when the item's time is up); a handler should return
// soon after. NewPool returns an error if handler is nil or an option is
// invalid.
func NewPool[T any](handler func(context.Context, T) error, opts ...Option) (*Pool[T], error) {
	if handler == nil {
		return nil, errors.New("queue: NewPool: handler must not be nil")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("queue: NewPool: nil Option")
		}
		if err := o.apply(&cfg); err != nil {
			return nil, err
		}
	}
	onError, err := hook[func(T, error)](cfg.onError, "WithOnError")
	if err != nil {
		return nil, err
	}
	onDrop, err := hook[func(T)](cfg.onDrop, "WithOnDrop")
	if err != nil {
		return nil, err
	}
	if err := checkCapacity[slot[T]]("WithCapacity", cfg.capacity); err != nil {
		return nil, err
	}
	q, err := New[slot[T]](cfg.capacity)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool[T]{
		q:        q,
		handler:  handler,
		overflow: cfg.overflow,
		timeout:  cfg.timeout,
		observer: cfg.observer,
		epoch:    time.Now(),
		onError:  onError,
		onDrop:   onDrop,
		cancel:   cancel,
		workers:  make([]workerStats, cfg.workers),
		done:     make(chan struct{}),
		idle:     make(chan struct{}),
	}
	if cfg.limited() {
		p.limiter = rate.NewLimiter(cfg.limit, cfg.burst)
	}
	p.live.Store(int32(cfg.workers))
	for i := range p.workers {
		go p.work(ctx, &p.workers[i])
	}
	return p, nil
}

// Submit adds v to the pool's queue. When the queue is full it follows the
// pool's [Overflow] policy: with [Block] it waits for room until ctx is
// done, with [Reject] it returns [ErrFull], with [DropOldest] it drops the
// oldest queued item to make room.
//
// It returns nil if v was accepted (v will then be handled, failed,
// dropped or returned by Shutdown: see [Pool]), [ErrClosed] once Shutdown
// has been called (whatever the state of ctx), and otherwise ctx.Err() if
// ctx is done first or was done when Submit was called. A nil ctx is an
// error, and v is not accepted.
func (p *Pool[T]) Submit(ctx context.Context, v T) error {
	if ctx == nil {
		return errNilContext
	}
	if p.overflow != Block {
		if err := ctx.Err(); err != nil {
			if p.shut.Load() {
				return ErrClosed
			}
			return err
		}
		return p.TrySubmit(v)
	}
	p.q.submits.Add(1)
	err := p.q.Put(ctx, p.slot(v))
	if err != nil {
		p.refuse(err)
	}
	return err
}

// TrySubmit is [Pool.Submit] without waiting: when the queue is full it
// returns [ErrFull] under the [Block] and [Reject] policies, and drops the
// oldest item under [DropOldest].
func (p *Pool[T]) TrySubmit(v T) error {
	p.q.submits.Add(1)
	err := p.tryPut(p.slot(v))
	if err != nil {
		p.refuse(err)
	}
	return err
}

// refuse settles an attempt that was not accepted.
func (p *Pool[T]) refuse(err error) {
	if err == ErrFull {
		p.rejected.Add(1)
	}
	p.refused.Add(1)
	p.settled()
}

// tryPut puts v without waiting, making room if the policy is DropOldest.
func (p *Pool[T]) tryPut(v slot[T]) error {
	for {
		err := p.q.TryPut(v)
		if err != ErrFull || p.overflow != DropOldest {
			return err
		}
		// Workers or other submitters may take the oldest item first;
		// then TryGet finds the queue emptier or empty, and we retry.
		if old, err := p.q.TryGet(); err == nil {
			p.drop(old.v)
		}
	}
}

// drop reports an item removed from the queue to the drop hook. If the
// hook panics or calls runtime.Goexit, that goes on through the caller of
// Submit, whose own item is then not accepted.
func (p *Pool[T]) drop(v T) {
	hooked := false
	defer func() {
		p.dropped.Add(1)
		p.settled()
		if !hooked {
			p.refuse(nil)
		}
	}()
	if p.onDrop != nil {
		p.onDrop(v)
	}
	hooked = true
}

// work is a worker goroutine: it handles items until the queue is closed
// and empty, or until Shutdown stops the pool.
//
// If user code on it (the handler or the error hook) calls runtime.Goexit
// (t.FailNow does), the goroutine cannot be saved: once serve and fail have
// settled the item, it starts its replacement as it exits.
func (p *Pool[T]) work(ctx context.Context, s *workerStats) {
	exited := true
	defer func() {
		if exited {
			go p.work(ctx, s)
		}
	}()
	for !p.serve(ctx, s) {
		// A handler panicked and serve settled its item: carry on.
	}
	exited = false
	p.exit()
}

// exit closes p.done when the last worker returns.
func (p *Pool[T]) exit() {
	if p.live.Add(-1) == 0 {
		close(p.done)
	}
}

// serve handles items until the pool stops, and then returns true. If a
// handler panics, it settles the item as failed and returns false.
//
// The recover is here, once per worker, rather than around each handler
// call, so that an item costs no defer. If a handler calls runtime.Goexit,
// the item fails too, with a [PanicError] whose Value names runtime.Goexit
// (and work replaces the goroutine).
func (p *Pool[T]) serve(ctx context.Context, s *workerStats) (stopped bool) {
	var (
		item slot[T]
		busy bool // the handler is running on item
	)
	defer func() {
		if !busy {
			return
		}
		p.fail(s, item.v, newPanicError(recover())) // nil: runtime.Goexit
	}()
	for !p.stopped.Load() {
		// A plain receive: the queue is closed before the pool stops, so
		// an idle worker always wakes up.
		v, ok := <-p.q.ch
		if !ok {
			return true
		}
		s.taken.Add(1)
		if p.stopped.Load() || !p.allow(ctx) {
			p.giveBack(v.v, &s.returned)
			return true
		}
		item, busy = v, true
		err := p.call(ctx, v)
		busy = false
		p.finish(ctx, s, v.v, err)
	}
	return true
}

// allow waits for the rate limiter, if any. It returns false if ctx is
// cancelled first (nothing else fails Wait: burst >= 1 and ctx has no
// deadline).
func (p *Pool[T]) allow(ctx context.Context) bool {
	return p.limiter == nil || p.limiter.Wait(ctx) == nil
}

// call runs the handler, with the item timeout if any.
func (p *Pool[T]) call(ctx context.Context, v slot[T]) error {
	if p.observer != nil {
		return p.callObserved(ctx, v)
	}
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	return p.handler(ctx, v.v)
}

// finish settles an item whose handler returned err.
func (p *Pool[T]) finish(ctx context.Context, s *workerStats, v T, err error) {
	switch {
	case err == nil:
		s.handled.Add(1)
		p.settled()
	case interrupted(ctx, err):
		p.giveBack(v, &s.returned)
	default:
		p.fail(s, v, err)
	}
}

// interrupted reports whether err means the handler gave up because
// Shutdown cancelled ctx, rather than that it failed: then the item goes
// back to Shutdown's caller instead of to the error hook.
func interrupted(ctx context.Context, err error) bool {
	return ctx.Err() != nil && errors.Is(err, context.Canceled)
}

// fail settles a failed item: it goes to the error hook, then is counted,
// even if the hook panics or calls runtime.Goexit. A panic in the hook (or
// its runtime.Goexit) is kept for Shutdown to return as a [PanicError],
// since there is no caller to give it to.
func (p *Pool[T]) fail(s *workerStats, v T, err error) {
	hooked := false
	defer func() {
		if !hooked {
			p.keepHookPanic(newPanicError(recover()))
		}
		s.failed.Add(1)
		p.settled()
	}()
	if p.onError != nil {
		p.onError(v, err)
	}
	hooked = true
}

// keepHookPanic keeps the first panic of the error hook for Shutdown.
func (p *Pool[T]) keepHookPanic(pe *PanicError) {
	p.mu.Lock()
	if p.hookPanic == nil {
		p.hookPanic = pe
	}
	p.mu.Unlock()
}

// giveBack keeps an item that was not handled for Shutdown to return, and
// counts it in returned.
func (p *Pool[T]) giveBack(v T, returned *atomic.Uint64) {
	p.mu.Lock()
	p.unhandled = append(p.unhandled, v)
	p.mu.Unlock()
	returned.Add(1)
	p.settled()
}

// settled is called after an attempt has settled and been counted: if a
// goroutine is in Wait and nothing is pending any more, it wakes it.
func (p *Pool[T]) settled() {
	// waiters and the counts are sequentially consistent atomics: either
	// this load sees Wait's increment of waiters, or Wait's reading of
	// the counts sees the count that was just incremented.
	if p.waiters.Load() > 0 && p.pending() == 0 {
		p.mu.Lock()
		close(p.idle)
		p.idle = make(chan struct{})
		p.mu.Unlock()
	}
}

// pending returns the number of attempts that have not settled. It reads
// the settled counts before the attempts: as each attempt is counted
// before it settles, and the counts only grow, a result of 0 means that
// at the moment attempts was read every attempt had settled.
func (p *Pool[T]) pending() uint64 {
	settled := p.refused.Load() + p.dropped.Load() + p.returned.Load()
	for i := range p.workers {
		w := &p.workers[i]
		settled += w.handled.Load() + w.failed.Load() + w.returned.Load()
	}
	return p.q.submits.Load() - settled
}

// Wait blocks until every item submitted so far has reached its end
// (handled, failed, dropped or returned; the hooks for it have returned),
// like asyncio's Queue.join.
//
// Precisely, Wait returns at the first moment when no item is pending: no
// item is queued or in flight, and no Submit is in progress. Items
// submitted while Wait waits delay it too, so under a steady stream of
// submissions Wait may not return until the stream pauses; to wait for one
// batch, stop submitting it before calling Wait. Wait does not stop the
// pool; it can be called any number of times, from any goroutine, and
// returns at once if nothing is pending (as after Shutdown).
func (p *Pool[T]) Wait() {
	p.waiters.Add(1)
	defer p.waiters.Add(-1)
	for {
		p.mu.Lock()
		idle := p.idle
		p.mu.Unlock()
		if p.pending() == 0 {
			return
		}
		<-idle
	}
}

// Shutdown stops the pool: from now on Submit returns [ErrClosed], and the
// workers handle what is queued and return. If ctx expires first, Shutdown
// cancels the handlers' ctx, waits for the workers to return, and returns
// the items that were accepted but not handled, with ctx.Err(); otherwise
// it returns nil, nil once every accepted item has been handled.
//
// The items returned are those still queued and, before them, those in
// flight whose handler was interrupted: after the handlers' ctx was
// cancelled it returned an error wrapping context.Canceled, or it had not
// started yet (it was waiting for the rate limiter). An item whose handler
// returned any other error, or panicked, failed and went to the error hook
// as usual. Shutdown cannot return before the handlers do, so handlers
// should honour their ctx.
//
// If the error hook panicked (or called runtime.Goexit), Shutdown's error
// also carries the first such *[PanicError]. Only the first call does the shutdown: a later or
// concurrent call returns nil, [ErrClosed] at once. A nil ctx is an error,
// and the pool is not shut down.
func (p *Pool[T]) Shutdown(ctx context.Context) ([]T, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if !p.shut.CompareAndSwap(false, true) {
		return nil, ErrClosed
	}
	p.q.Close()
	var err error
	select {
	case <-p.done:
	default:
		select {
		case <-p.done:
		case <-ctx.Done():
			err = ctx.Err()
			p.stopped.Store(true)
			p.cancel()
			<-p.done
		}
	}
	p.cancel()
	for {
		v, gerr := p.q.TryGet()
		if gerr != nil {
			break
		}
		p.giveBack(v.v, &p.returned)
	}
	p.mu.Lock()
	items, hookPanic := p.unhandled, p.hookPanic
	p.unhandled = nil
	p.mu.Unlock()
	if hookPanic != nil {
		err = errors.Join(err, hookPanic)
	}
	return items, err
}

// Stats is a snapshot of a [Pool]'s counts. The fields are read one by
// one while the pool runs, so they add up exactly only when it is idle:
// then Accepted = Handled + Failed + Dropped + Returned.
type Stats struct {
	Workers  int // worker goroutines
	Capacity int // queue capacity
	Queued   int // items waiting in the queue
	InFlight int // items taken by a worker and not yet settled

	Accepted uint64 // Submit or TrySubmit returned nil (or is in progress)
	Handled  uint64 // the handler returned nil
	Failed   uint64 // the handler returned an error or panicked
	Dropped  uint64 // removed by the DropOldest policy
	Rejected uint64 // Submit or TrySubmit returned ErrFull
	Returned uint64 // returned unhandled by Shutdown
}

// Stats returns a snapshot of the pool's counts.
func (p *Pool[T]) Stats() Stats {
	st := Stats{
		Workers:  len(p.workers),
		Capacity: p.q.Cap(),
		Queued:   p.q.Len(),
		Dropped:  p.dropped.Load(),
		Rejected: p.rejected.Load(),
		Returned: p.returned.Load(),
	}
	for i := range p.workers {
		w := &p.workers[i]
		handled, failed, returned := w.handled.Load(), w.failed.Load(), w.returned.Load()
		st.InFlight += int(w.taken.Load() - handled - failed - returned)
		st.Handled += handled
		st.Failed += failed
		st.Returned += returned
	}
	// refused is read before submits, as in pending: every refused attempt
	// was counted in submits first, so the difference cannot wrap around
	// (attempts made between the two reads count as in progress).
	refused := p.refused.Load()
	st.Accepted = p.q.submits.Load() - refused
	return st
}

// String formats the snapshot on one line, for logs.
func (s Stats) String() string {
	return fmt.Sprintf("queued=%d inflight=%d accepted=%d handled=%d failed=%d dropped=%d rejected=%d returned=%d",
		s.Queued, s.InFlight, s.Accepted, s.Handled, s.Failed, s.Dropped, s.Rejected, s.Returned)
}
