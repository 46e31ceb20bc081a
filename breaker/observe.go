package breaker

import (
	"context"
	"errors"
)

// Observer sees what [Breaker.Stats] cannot count: the outcome of each call
// as the breaker records it, and each rejection with the rejected call's
// context, so that a tracer can mark the call's span (the otel module's
// adapter implements it). Set it with [WithObserver]; state changes go to
// the hooks of [WithOnStateChange], and the counts of rejections and trips
// are in [Breaker.Stats].
//
// The methods run on the goroutine of the call, outside the breaker's
// locks, and may run concurrently: they must be safe for concurrent use and
// must not block. A panic in them goes on to the caller.
//
// Cost: unset, nothing on any path (the choice of path is made when the
// state changes). Set, every call leaves the closed state's fast path for
// the path that a breaker with [WithSlowCall] takes, without its clock
// reads: about 25 ns more per call on a 2-core VM (BenchmarkBreakerCall
// of the otel module, with an observer that does nothing), plus the
// observer's own cost.
type Observer interface {
	// Recorded is called once per admitted call that ended, with its
	// outcome: [Success], [Failure] or [Ignored] as [WithIsFailure] and
	// [WithIsIgnored] (or a [Transport]'s classifier) decided. A call that
	// panicked is a Failure.
	Recorded(o Outcome)
	// Rejected is called for each call the breaker rejects, with the
	// call's context and the [*OpenError] the call returns. [Breaker.Allow]
	// has no context: its rejections come with [context.Background]; a
	// [Transport]'s come with the request's context.
	Rejected(ctx context.Context, err *OpenError)
}

// WithObserver sets an [Observer] (default none). A nil o is an error.
func WithObserver(o Observer) Option {
	return optionFunc(func(c *config) error {
		if o == nil {
			return errors.New("breaker: WithObserver: nil Observer")
		}
		c.observer = o
		return nil
	})
}

// observeRecord tells the observer the outcome of mark m (see
// [Breaker.mark]).
func (b *Breaker) observeRecord(m uint32) {
	o := Success
	switch {
	case m == 0:
		o = Ignored
	case m&markFailure != 0:
		o = Failure
	}
	b.cfg.observer.Recorded(o)
}

// observeReject tells the observer, if any, of a rejection.
func (b *Breaker) observeReject(ctx context.Context, err error) {
	if b.cfg.observer == nil {
		return
	}
	oe, ok := err.(*OpenError)
	if !ok {
		return
	}
	b.cfg.observer.Rejected(ctx, oe)
}
