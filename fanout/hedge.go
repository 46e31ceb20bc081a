package fanout

import (
	"context"
	"fmt"
	"time"
)

// Hedge calls fn and, if it has not succeeded after delay, calls it again
// (a hedged request, from Dean and Barroso's "The Tail at Scale"), and again
// each delay after that, up to [DefaultMaxAttempts] (or [WithMaxAttempts])
// calls in all. A call that fails starts the next one at once, without
// waiting for the delay, as gRPC's hedging does. The first success wins: the
// other calls' context is cancelled, and Hedge returns once they have
// returned. If every call fails, Hedge returns the [errors.Join] of their
// errors in the order the calls started.
//
// Hedge trades load for latency: use it only for idempotent calls, and set
// delay near the latency the call meets most of the time (its 95th
// percentile, say), so that about one call in twenty is doubled. A delay of
// 0 starts every call at once.
//
// If ctx is done, Hedge cancels the calls, waits for them, and returns
// context.Cause(ctx). A panic in fn (or [runtime.Goexit]) cancels the other
// calls and is returned as a [*PanicError], the first one if several
// panicked; it takes precedence over a success and over ctx's cause, so a
// call that panics once cancelled (after another call won, or after ctx
// ended) is not lost either. A nil ctx, a negative delay, a nil fn, or a bad
// option is an error. Options: [WithMaxAttempts], [WithTaskTimeout] (a
// deadline for each call), [WithClock] (virtual time), [WithHedgeObserver].
func Hedge[R any](ctx context.Context, fn func(context.Context) (R, error), delay time.Duration, opts ...HedgeOption) (R, error) {
	var zero R
	if ctx == nil {
		return zero, errNilContext
	}
	if fn == nil {
		return zero, errNilFunc("Hedge", "fn")
	}
	if delay < 0 {
		return zero, fmt.Errorf("fanout: Hedge: delay must be >= 0, got %v", delay)
	}
	cfg, err := newConfig(opts, HedgeOption.applyHedge)
	if err != nil {
		return zero, err
	}
	if ctx.Err() != nil {
		return zero, context.Cause(ctx)
	}
	return newHedger(ctx, fn, &cfg).run(cfg.maxAttempts, delay)
}
