package fanout

import (
	"context"
	"errors"
	"time"

	"github.com/holdfast-go/holdfast/internal/vclock"
)

// Clock is a time source and goroutine starter for fanout: [WithClock]
// makes every call start its timers, its per-call deadlines
// ([WithTaskTimeout]) and its goroutines through it, so that a simulator
// (package sim) can run it in virtual time. Nil (the default) is the real
// clock: package time and the go statement.
//
// Every holdfast package that reads the clock has a Clock with these four
// methods, so that one value satisfies them all (see retry.Clock). Now and
// AfterFunc are the time source ([*time.Timer] satisfies AfterFunc's
// result). Go and Wait are there because a simulator must know when every
// goroutine of the simulation is blocked before it moves time on: with a
// Clock set, fanout starts each goroutine with Go and blocks only in Wait (a
// receive from ch), both in the caller's goroutine (waiting for results, for
// room under the limit, for the goroutines to return) and in the goroutines
// it started (a [Stream] worker waiting for an item). A real-time clock
// implements them as `go f()` and `<-ch`.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) interface{ Stop() bool }
	Go(f func())
	Wait(ch <-chan struct{})
}

// A ClockOption, from [WithClock], configures every call: it is an
// [Option], a [MapAllOption], a [StreamOption] and a [HedgeOption].
type ClockOption interface {
	LimitOption
	HedgeOption
}

// WithClock makes a call run on c instead of package time and the go
// statement: its goroutines are started with c.Go, the per-call deadlines of
// [WithTaskTimeout] are timers of c (contexts whose Deadline is on c), the
// delay of [Hedge] is a timer of c, and every wait (for a result, for room
// under the limit, for an item, for the goroutines to return) is a c.Wait.
// The call must then be made on a goroutine that may wait in c.Wait (with
// package sim: one of its actors), and so must [Group.Go] and [Group.Wait]
// and the range loop over a [Stream]. c must not be nil. Read by every call
// and by [Group] ([New]).
//
// Cost: unset, a call pays a nil check where it starts a goroutine, sets a
// timeout or waits (a [Stream] worker: two per item; [Map], [ForEach] and
// [MapAll]: none per item, their loop is the one they had before the
// clock), no allocation, and no byte more in its structures. Set, each
// goroutine, each wait and each wake-up costs an allocation or two (a
// closure for Go, a context whose Done channel Wait receives from), and
// Map's workers read ctx.Err before each item in place of the
// context.AfterFunc that watches the parent without a clock: costs that
// virtual time does not mind.
func WithClock(c Clock) ClockOption {
	return timeoutOption(func(cfg *config) error {
		if c == nil {
			return errors.New("fanout: WithClock: clock must not be nil")
		}
		cfg.clock = c
		return nil
	})
}

// withTimeout is context.WithTimeout on clock c, or on package time when c
// is nil.
func withTimeout(ctx context.Context, c Clock, d time.Duration) (context.Context, context.CancelFunc) {
	if c == nil {
		return context.WithTimeout(ctx, d)
	}
	return vclock.WithTimeout(ctx, c, d)
}
