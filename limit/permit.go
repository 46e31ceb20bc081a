package limit

import "context"

// A Limiter admits a call or rejects it. [*Bulkhead], [*Adaptive] and
// [*Throttle] implement it; code that only needs admission (the HTTP
// middleware [Shed], a composition pipeline) takes a Limiter.
//
// Acquire returns a [Permit] to release when the call is over, or an error:
// one matching [ErrLimited] when the call is rejected, ctx's error when ctx
// ends first. It never returns both a live Permit and an error.
type Limiter interface {
	Acquire(ctx context.Context) (Permit, error)
}

// releaser is implemented by each limiter, so that a Permit is a pointer
// and two words, with no allocation.
type releaser interface {
	release(start int64, err error)
}

// Permit is the right to make one call, returned by a limiter's Acquire or
// TryAcquire. It is a small value: holding and releasing one allocates
// nothing.
//
// Release it exactly once, when the call is over, with the call's outcome.
// Conventions, the same for every limiter:
//
//   - Release zeroes the Permit it is called on, so a second Release of the
//     same variable does nothing. Releasing two copies of one Permit is a
//     misuse: the second frees a place that another call holds (the
//     limiter never counts below zero calls in flight).
//   - The zero Permit (returned with every error) may be released: it does
//     nothing.
type Permit struct {
	r     releaser
	start int64 // when the call was admitted, in the limiter's clock; 0 if unused
}

// Release ends the call the Permit admitted. err is the call's outcome
// (nil for a success): [*Adaptive] and [*Throttle] learn from it (see
// [WithIsOverload]); [*Bulkhead] ignores it. See [Permit] for releasing
// twice.
func (p *Permit) Release(err error) {
	r := p.r
	if r == nil {
		return
	}
	start := p.start
	*p = Permit{}
	r.release(start, err)
}

// Valid reports whether p is a Permit not yet released (not the zero
// Permit).
func (p *Permit) Valid() bool { return p.r != nil }

// do runs fn under the Permit p, and releases p with fn's outcome; when fn
// panics (or calls runtime.Goexit) p is released as a failure and the
// panic goes on to the caller.
func do(ctx context.Context, p Permit, fn func(context.Context) error) error {
	done := false
	defer func() {
		if !done {
			p.Release(errPanicked)
		}
	}()
	err := fn(ctx)
	done = true
	p.Release(err)
	return err
}
