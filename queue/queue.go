package queue

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Queue is a bounded first-in, first-out queue safe for concurrent use.
//
// [Queue.Put] blocks while the queue is full, which is what applies
// backpressure to producers; [Queue.Get] blocks while it is empty.
// [Queue.Close] stops new puts and lets getters drain what is left.
// Items put by a single goroutine are got in the order they were put.
//
// Queue is a buffered channel with a cancellable, closable API around it:
// it allocates nothing per item and moves items at most of a bare
// channel's rate (see Cost in the package doc). Create one with [New];
// the zero value is not usable.
type Queue[T any] struct {
	ch chan T

	// closing is closed when Close starts, to wake puts blocked on a full
	// queue.
	closing chan struct{}
	once    sync.Once

	// mu is held shared by every put while it may send on ch, and
	// exclusively by Close while it closes ch, so that a send never races
	// with the close: once Close returns, no put can succeed, and every
	// item that a put did send stays in ch for the getters. Puts write mu,
	// so it sits on its own cache line, away from the fields that gets read.
	_      [cacheLine]byte
	mu     sync.RWMutex
	closed bool // guarded by mu

	// submits counts the submits to the Pool that owns the queue, if any.
	// It shares mu's cache line because a submit writes both.
	submits atomic.Uint64
	_       [cacheLine]byte
}

// cacheLine is the size of a CPU cache line (with room for the adjacent
// line that some CPUs prefetch as a pair).
const cacheLine = 128

// Limits on a queue's capacity. A queue's buffer is a channel, allocated
// whole when the queue is made, so a capacity is bounded rather than grown
// to: a bound from configuration must not take the process down with it.
const (
	// MaxCapacity is the largest capacity of a [Queue] (and of a [Pool]'s
	// queue, [WithCapacity]): about a million items.
	MaxCapacity = 1 << 20
	// MaxBufferBytes is the most memory a queue's buffer may take: its
	// capacity times the size of T (256 MiB). Queue pointers to large
	// items.
	MaxBufferBytes = 256 << 20
)

// New returns an empty queue that holds at most capacity items. It
// allocates the buffer for them now: capacity times the size of T.
//
// It returns an error if capacity < 1, if it is above [MaxCapacity], or if
// the buffer would take more than [MaxBufferBytes].
func New[T any](capacity int) (*Queue[T], error) {
	if err := checkCapacity[T]("New", capacity); err != nil {
		return nil, err
	}
	return &Queue[T]{
		ch:      make(chan T, capacity),
		closing: make(chan struct{}),
	}, nil
}

// checkCapacity returns an error naming the call or option if capacity
// is out of [1, MaxCapacity] or needs a buffer above MaxBufferBytes.
func checkCapacity[T any](name string, capacity int) error {
	if capacity < 1 {
		return fmt.Errorf("queue: %s: capacity must be > 0, got %d", name, capacity)
	}
	if capacity > MaxCapacity {
		return fmt.Errorf("queue: %s: capacity must be at most MaxCapacity (%d), got %d", name, MaxCapacity, capacity)
	}
	var zero T
	if size := int(unsafe.Sizeof(zero)); size > 0 && capacity > MaxBufferBytes/size {
		return fmt.Errorf("queue: %s: capacity %d of %d-byte items is more than MaxBufferBytes (%d)", name, capacity, size, MaxBufferBytes)
	}
	return nil
}

// Put adds v at the back of the queue, blocking while the queue is full.
//
// It returns nil once v is in the queue, [ErrClosed] if the queue is closed
// (or is closed while Put waits), and ctx.Err() if ctx is done first; on
// error v was not added. If ctx is already done, Put fails even when there
// is room (with ErrClosed if the queue is closed). A Put that overlaps
// [Queue.Close] may succeed or fail; one that starts after Close has
// returned always fails. A nil ctx is an error.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	if ctx == nil {
		return errNilContext
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return ErrClosed
	}
	done := ctx.Done()
	if done != nil && isDone(done) {
		return ctx.Err()
	}
	// The single-case select is a non-blocking send that locks only ch;
	// the three-way select below locks every channel it names.
	select {
	case q.ch <- v:
		return nil
	default:
	}
	select {
	case q.ch <- v:
		return nil
	case <-q.closing:
		return ErrClosed
	case <-done:
		return ctx.Err()
	}
}

// TryPut adds v at the back of the queue if there is room, without
// blocking. It returns [ErrFull] if the queue is full and [ErrClosed] if it
// is closed.
func (q *Queue[T]) TryPut(v T) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return ErrClosed
	}
	select {
	case q.ch <- v:
		return nil
	default:
		return ErrFull
	}
}

// Get removes and returns the item at the front of the queue, blocking
// while the queue is empty.
//
// Once the queue is closed, Get keeps returning the items left in it and
// then returns [ErrClosed]. It returns ctx.Err() if ctx is done first
// (even when an item is available, if ctx was done before the call). A nil
// ctx is an error.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	if ctx == nil {
		var zero T
		return zero, errNilContext
	}
	done := ctx.Done()
	if done == nil {
		// ctx can never be cancelled: a plain receive is the cheapest wait.
		v, ok := <-q.ch
		return received(v, ok)
	}
	if isDone(done) {
		var zero T
		return zero, ctx.Err()
	}
	select {
	case v, ok := <-q.ch:
		return received(v, ok)
	default:
	}
	select {
	case v, ok := <-q.ch:
		return received(v, ok)
	case <-done:
		var zero T
		return zero, ctx.Err()
	}
}

// TryGet removes and returns the item at the front of the queue without
// blocking. It returns [ErrEmpty] if the queue is empty, and [ErrClosed]
// if it is empty and closed.
func (q *Queue[T]) TryGet() (T, error) {
	select {
	case v, ok := <-q.ch:
		return received(v, ok)
	default:
		var zero T
		return zero, ErrEmpty
	}
}

// Len returns the number of items in the queue.
func (q *Queue[T]) Len() int { return len(q.ch) }

// Cap returns the capacity of the queue, the most items it holds.
func (q *Queue[T]) Cap() int { return cap(q.ch) }

// Close closes the queue: puts blocked on a full queue return [ErrClosed],
// later puts return ErrClosed, and gets return the items left and then
// ErrClosed. Close waits for the puts in progress to finish (blocked ones
// wake up at once), so that once it returns no item can enter the queue.
// Close may be called more than once and concurrently; every call returns
// once the queue is closed.
func (q *Queue[T]) Close() {
	q.once.Do(func() {
		close(q.closing)
		q.mu.Lock()
		q.closed = true
		close(q.ch)
		q.mu.Unlock()
	})
}

// received turns the result of a receive from q.ch into Get's result.
func received[T any](v T, ok bool) (T, error) {
	if !ok {
		return v, ErrClosed
	}
	return v, nil
}

// isDone reports whether done (a ctx.Done channel, possibly nil) is closed,
// without blocking and without taking a lock.
func isDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
