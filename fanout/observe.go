package fanout

import (
	"context"
	"errors"
)

// HedgeObserver sees the calls that [Hedge] adds to the first, so that a
// tracer can mark them on the caller's span and a meter count them (the
// otel module's adapter implements it). Set it with [WithHedgeObserver].
//
// Cost: unset, a hedge pays one nil check; the first call pays nothing.
type HedgeObserver interface {
	// Hedged is called on Hedge's goroutine as it starts each call after
	// the first, with Hedge's ctx and the call's number (2 for the first
	// hedge); failed says that the previous call failed, rather than the
	// delay having passed. It must not block.
	Hedged(ctx context.Context, call int, failed bool)
}

// WithHedgeObserver sets a [HedgeObserver] on [Hedge] (default none). A nil
// o is an error.
func WithHedgeObserver(o HedgeObserver) HedgeOption {
	return hedgeOption(func(c *config) error {
		if o == nil {
			return errors.New("fanout: WithHedgeObserver: nil HedgeObserver")
		}
		c.hedgeObserver = o
		return nil
	})
}

// observeHedge tells the observer, if any, that call n (0-based) starts.
func (h *hedger[R]) observeHedge(n int, failed bool) {
	if h.more != nil && h.more.observer != nil && n > 0 {
		h.more.observer.Hedged(h.more.parent, n+1, failed)
	}
}
