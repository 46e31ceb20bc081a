package limit

import (
	"context"
	"fmt"
)

// Bulkhead lets at most a fixed number of calls run at once. A call that
// finds every place taken waits for one, up to [WithMaxWaiting] calls and
// [WithMaxWait] each, in FIFO or LIFO order ([WithLIFO]); beyond that it
// is rejected at once with an error matching [ErrLimited].
//
// A Bulkhead is safe for concurrent use. Acquiring and releasing a free
// place takes one lock and allocates nothing; a wait allocates a channel.
type Bulkhead struct {
	g gate
}

var _ Limiter = (*Bulkhead)(nil)

// NewBulkhead returns a Bulkhead that lets n calls run at once. n must be
// >= 1.
func NewBulkhead(n int, opts ...BulkheadOption) (*Bulkhead, error) {
	if n < 1 {
		return nil, fmt.Errorf("limit: NewBulkhead: limit must be >= 1, got %d", n)
	}
	c := defaultConfig()
	if err := apply(&c, opts, func(o BulkheadOption) func(*config) error { return o.bulkhead }); err != nil {
		return nil, err
	}
	b := &Bulkhead{}
	b.g.init(n, &c, &LimitedError{By: "bulkhead", After: c.retryAfter}, c.wallNow())
	return b, nil
}

// Acquire admits a call, waiting for a place if every place is taken and
// waiting is allowed. It returns a [Permit] to release when the call is
// over; or an error matching [ErrLimited] (no place and no room to wait,
// or [WithMaxWait] passed); or ctx's error when ctx ends first, leaving the
// bulkhead as it was.
func (b *Bulkhead) Acquire(ctx context.Context) (Permit, error) {
	if ctx == nil {
		return Permit{}, errNilContext
	}
	if err := b.g.acquire(ctx); err != nil {
		return Permit{}, err
	}
	return Permit{r: b}, nil
}

// TryAcquire admits a call if a place is free now, and never waits; else
// it returns an error matching [ErrLimited].
func (b *Bulkhead) TryAcquire() (Permit, error) {
	if err := b.g.try(); err != nil {
		return Permit{}, err
	}
	return Permit{r: b}, nil
}

// Do runs fn with a place acquired by [Bulkhead.Acquire], and returns fn's
// error, or the error of Acquire without running fn. If fn panics, its
// place is freed and the panic goes on.
func (b *Bulkhead) Do(ctx context.Context, fn func(context.Context) error) error {
	if ctx == nil {
		return errNilContext
	}
	if fn == nil {
		return errNilFunc
	}
	p, err := b.Acquire(ctx)
	if err != nil {
		return err
	}
	return do(ctx, p, fn)
}

// Stats returns a snapshot of the bulkhead's counts.
func (b *Bulkhead) Stats() Stats {
	b.g.mu.Lock()
	defer b.g.mu.Unlock()
	return b.g.statsLocked()
}

func (b *Bulkhead) release(int64, error) {
	b.g.mu.Lock()
	b.g.releaseLocked()
	b.g.mu.Unlock()
}
