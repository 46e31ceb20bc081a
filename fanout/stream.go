package fanout

import (
	"context"
	"errors"
	"iter"
	"sync"
	"time"
)

// Stream returns an iterator that calls fn on each item of seq, at most
// [DefaultLimit] (or [WithLimit]) at a time, and yields each item's result
// and error: in input order by default, or as they complete with
// WithOrdered(false). Each range over the iterator runs the whole pipeline
// anew; every goroutine it starts has returned when the range loop ends.
//
// The stream is paced by its consumer. seq is ranged on the consumer's
// goroutine, between results, and an item is pulled only while fewer than
// limit + buffer ([WithBuffer]; twice the limit by default) items are pulled
// and not yet yielded, so memory stays bounded for an endless seq, a slow
// consumer, or a slow early item in ordered mode. A seq that blocks delays
// the results already finished until it yields; it never leaves a goroutine
// behind.
//
// A failed item yields (zero, err) and the stream goes on: the consumer
// decides. Breaking out of the loop cancels the context of the calls in
// flight, starts no new call, and waits for them before the loop ends. If
// ctx is done, or fn panics, the stream stops the same way and then yields
// a last pair: (zero, context.Cause(ctx)), or (zero, [*PanicError]); the
// results not yet yielded are dropped. A panic in seq or in the loop body is
// not recovered: it unwinds through the range loop once the calls in flight
// are cancelled and joined.
//
// A nil seq is treated as empty. A nil ctx, a nil fn, a bad option,
// WithLimit(Unlimited) or a window above [MaxStreamWindow] makes the
// iterator yield a single (zero, err) pair.
// Options: [WithLimit], [WithBuffer], [WithOrdered], [WithTaskTimeout],
// [WithClock].
//
// Each item costs two channel hand-offs between goroutines and no
// allocation (see the package benchmarks).
func Stream[T, R any](ctx context.Context, seq iter.Seq[T], fn func(context.Context, T) (R, error), opts ...StreamOption) iter.Seq2[R, error] {
	cfg, err := newConfig(opts, StreamOption.applyStream)
	window := 0
	switch {
	case ctx == nil:
		err = errNilContext
	case err != nil:
	case fn == nil:
		err = errNilFunc("Stream", "fn")
	case cfg.limit == Unlimited:
		err = errors.New("fanout: Stream: WithLimit(Unlimited) is not allowed: the input may be endless")
	default:
		window, err = cfg.window()
	}
	if err != nil {
		return func(yield func(R, error) bool) {
			var zero R
			yield(zero, err)
		}
	}
	return func(yield func(R, error) bool) {
		if seq == nil {
			return
		}
		s := newStreamer(ctx, fn, &cfg, window)
		defer s.stop()
		if err := s.run(seq, yield); err != nil {
			s.stop()
			var zero R
			yield(zero, err)
		}
	}
}

type job[T any] struct {
	i int
	v T
}

type outcome[R any] struct {
	i        int
	v        R
	err      error
	panicked bool
	done     bool // the slot of the ordered ring holds a result
}

// streamer is one run of a Stream. All its fields but the channels and the
// wait group belong to the consumer's goroutine: it pulls from seq,
// dispatches jobs, and receives and yields the results. Workers only read
// jobs and send outcomes. The channels have room for the whole window, so a
// send never blocks: at most window items are dispatched and not yet
// yielded.
type streamer[T, R any] struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	fn      func(context.Context, T) (R, error)
	timeout time.Duration
	jobs    chan job[T]
	results chan outcome[R]
	wg      sync.WaitGroup

	limit, workers int
	window         int
	ordered        bool
	stopped        bool
	ring           []outcome[R] // ordered mode: results waiting for earlier ones
	sent           int          // index of the next item to dispatch
	next           int          // ordered mode: index of the next item to yield
	pending        int          // dispatched and not yet yielded

	// onClock is set with a Clock; nil without one. Last, in the room
	// stopped left beside ordered, so that the fields above sit where they
	// did before the clock, and the streamer is no larger.
	onClock *streamClock
}

func newStreamer[T, R any](ctx context.Context, fn func(context.Context, T) (R, error), cfg *config, w int) *streamer[T, R] {
	s := &streamer[T, R]{
		fn:      fn,
		timeout: cfg.timeout,
		jobs:    make(chan job[T], w),
		results: make(chan outcome[R], w),
		limit:   cfg.limit,
		window:  w,
		ordered: cfg.ordered,
	}
	if s.ordered {
		s.ring = make([]outcome[R], w)
	}
	s.ctx, s.cancel = context.WithCancelCause(ctx)
	if cfg.clock != nil {
		s.onClock = newStreamClock(cfg.clock, s.ctx)
	}
	return s
}

// run feeds seq to the workers and yields the results. It returns the error
// that ends the stream early (a panic, or the parent's cause), or nil when
// the stream ended or the consumer stopped.
func (s *streamer[T, R]) run(seq iter.Seq[T], yield func(R, error) bool) error {
	if more, err := s.admit(yield); !more {
		return err
	}
	for v := range seq {
		s.dispatch(v)
		// Make room before seq produces the next item.
		if more, err := s.admit(yield); !more {
			return err
		}
	}
	for s.pending > 0 {
		if _, more, err := s.receive(yield, true); !more {
			return err
		}
	}
	return nil
}

// admit yields the results already finished and, while the window is full,
// waits for more. It reports whether the stream goes on.
func (s *streamer[T, R]) admit(yield func(R, error) bool) (bool, error) {
	for {
		got, more, err := s.receive(yield, s.pending >= s.window)
		if !more || !got {
			return more, err
		}
	}
}

// receive takes one outcome, waiting for it if wait is set, and yields what
// it can. got reports whether an outcome arrived; more is false when the
// stream must end, err then being the reason (nil when the consumer
// stopped).
func (s *streamer[T, R]) receive(yield func(R, error) bool, wait bool) (got, more bool, err error) {
	if s.ctx.Err() != nil {
		// Checked first, so that nothing is yielded once ctx is done.
		return false, false, context.Cause(s.ctx)
	}
	var o outcome[R]
	if wait && s.onClock != nil {
		var ok bool
		if o, ok = s.waitClock(); !ok {
			return false, false, context.Cause(s.ctx)
		}
	} else if wait {
		select {
		case o = <-s.results:
		case <-s.ctx.Done():
			return false, false, context.Cause(s.ctx)
		}
	} else {
		select {
		case o = <-s.results:
		case <-s.ctx.Done():
			return false, false, context.Cause(s.ctx)
		default:
			return false, true, nil
		}
	}
	if o.panicked {
		return true, false, o.err
	}
	return true, s.deliver(o, yield), nil
}

// deliver yields o, or in ordered mode every result that is now next in
// line. It reports whether the consumer wants more.
func (s *streamer[T, R]) deliver(o outcome[R], yield func(R, error) bool) bool {
	if !s.ordered {
		s.pending--
		return yield(o.v, o.err)
	}
	o.done = true
	s.ring[o.i%s.window] = o
	for {
		slot := &s.ring[s.next%s.window]
		if !slot.done || s.ctx.Err() != nil {
			return true // the next receive ends the stream if ctx is done
		}
		v, err := slot.v, slot.err
		*slot = outcome[R]{}
		s.next++
		s.pending--
		if !yield(v, err) {
			return false
		}
	}
}

// dispatch hands v to a worker, starting one if fewer than the limit run
// and all may be busy. The send never blocks: jobs has room for the window.
func (s *streamer[T, R]) dispatch(v T) {
	if s.workers < s.limit && s.pending >= s.workers {
		s.workers++
		if s.onClock != nil {
			s.onClock.workers.goroutine(s.work)
		} else {
			s.wg.Add(1)
			go s.work()
		}
	}
	s.jobs <- job[T]{i: s.sent, v: v}
	s.sent++
	s.pending++
	if s.onClock != nil {
		s.onClock.workers.cond.broadcast()
	}
}

// stop cancels the calls in flight, lets the workers finish and waits for
// them. It is idempotent.
func (s *streamer[T, R]) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	s.cancel(nil)
	close(s.jobs)
	if s.onClock != nil {
		s.onClock.workers.cond.broadcast()
		s.onClock.workers.join()
		return
	}
	s.wg.Wait()
}

// work runs jobs until jobs is closed. Once the stream is cancelled it
// answers the jobs left without calling fn. A panic ends the worker: it
// cancels the stream and sends the [PanicError] as its last outcome.
func (s *streamer[T, R]) work() {
	if s.onClock == nil {
		defer s.wg.Done()
	}
	var cur job[T]
	ok := false
	defer func() {
		if !ok {
			pe := newPanicError(recover())
			s.cancel(pe)
			s.send(outcome[R]{i: cur.i, err: pe, panicked: true})
		}
	}()
	done := s.ctx.Done()
	for {
		var more bool
		if s.onClock != nil {
			cur, more = s.nextJob()
		} else {
			cur, more = <-s.jobs
		}
		if !more {
			break
		}
		o := outcome[R]{i: cur.i}
		select {
		case <-done:
			o.err = context.Cause(s.ctx)
		default:
			o.v, o.err = s.call(cur.v)
		}
		s.send(o)
	}
	ok = true
}

// send hands o to the consumer. It never blocks: results has room for the
// window.
func (s *streamer[T, R]) send(o outcome[R]) {
	s.results <- o
	if s.onClock != nil {
		s.onClock.results.broadcast()
	}
}

func (s *streamer[T, R]) call(v T) (R, error) {
	if s.timeout <= 0 {
		return s.fn(s.ctx, v)
	}
	ctx, cancel := withTimeout(s.ctx, s.onClock.clock(), s.timeout)
	defer cancel()
	return s.fn(ctx, v)
}
