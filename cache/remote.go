package cache

import (
	"context"
	"errors"
	"time"
)

// remote runs a Store call through the guard, bounded by the remote
// timeout, and counts and reports its failure unless ctx had ended.
func (c *Cache[V]) remote(ctx context.Context, op string, call func(context.Context) error) error {
	rctx, cancel := c.remoteCtx(ctx)
	defer cancel()
	var err error
	if c.cfg.guard != nil {
		err = c.cfg.guard(rctx, call)
	} else {
		err = call(rctx)
	}
	c.failed(ctx, op, err)
	return err
}

// failed counts and reports err, the failure of a Store call made for ctx,
// unless it is nil or ctx had ended.
func (c *Cache[V]) failed(ctx context.Context, op string, err error) {
	if err != nil && ctx.Err() == nil {
		c.stats.remoteErrors.Add(1)
		c.report(op, err)
	}
}

// storeGet is [Cache.remote] for a Store Get of key (with its namespace),
// the call of a remote hit: without a guard it calls the Store directly,
// with no closure to allocate. A missing key is a nil value and no error,
// and no failure to the guard.
func (c *Cache[V]) storeGet(ctx context.Context, key string) ([]byte, error) {
	rctx, cancel := c.remoteCtx(ctx)
	defer cancel()
	if c.cfg.guard != nil {
		return c.guardedGet(ctx, rctx, key)
	}
	b, err := c.store.Get(rctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	c.failed(ctx, "get", err)
	return b, err
}

// guardedGet is storeGet through the guard.
func (c *Cache[V]) guardedGet(ctx, rctx context.Context, key string) ([]byte, error) {
	var raw []byte
	err := c.cfg.guard(rctx, func(ctx context.Context) error {
		b, err := c.store.Get(ctx, key)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		raw = b
		return err
	})
	c.failed(ctx, "get", err)
	return raw, err
}

// noCancel is the cancel function of a context that needs none.
var noCancel context.CancelFunc = func() {}

// remoteCtx returns the context of a Store call made for ctx: done when
// ctx is, and at most the remote timeout from now.
//
// A context.WithTimeout per call costs several allocations (the context,
// its timer, its channel), as many as the rest of a remote hit. So where it
// can, remoteCtx avoids it: a ctx whose own deadline comes first is used
// as it is, and a ctx that can never be cancelled (context.Background, or
// one that only carries values) gets a deadline shared by the calls that
// start within a sixteenth of the timeout of each other (so each call gets
// between 15/16 of the timeout and all of it), with ctx's values.
func (c *Cache[V]) remoteCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	timeout := c.cfg.remoteTimeout
	if ctx.Done() != nil {
		if d, ok := ctx.Deadline(); ok && time.Until(d) <= timeout {
			return ctx, noCancel
		}
		return context.WithTimeout(ctx, timeout)
	}
	shared := c.sharedDeadline()
	if ctx == context.Background() || ctx == context.TODO() {
		return shared, noCancel
	}
	return &withValues{Context: shared, values: ctx}, noCancel
}

// deadlineSlot is a context with a deadline, shared by Store calls.
type deadlineSlot struct {
	ctx    context.Context
	cancel context.CancelFunc // called by the context's own timer, or by Close
	at     int64              // the deadline on the Cache's clock
}

// sharedDeadline returns a context that ends between 15/16 of the remote
// timeout from now and the whole of it, or when the Cache closes.
func (c *Cache[V]) sharedDeadline() context.Context {
	now, timeout := c.now(), int64(c.cfg.remoteTimeout)
	if s := c.deadline.Load(); s != nil && s.at-now >= timeout-timeout/16 {
		return s.ctx
	}
	at := saturatingAdd(now, c.cfg.remoteTimeout)
	ctx, cancel := context.WithDeadline(c.life.ctx, c.epoch.Add(time.Duration(at)))
	c.deadline.Store(&deadlineSlot{ctx: ctx, cancel: cancel, at: at})
	return ctx
}

// withValues is a context with the deadline and cancellation of its
// embedded Context and the values of values, a context that is never
// cancelled. A value of neither is looked up in the embedded Context too,
// so that the context package finds its cancellation there and derives
// contexts from it without a goroutine.
type withValues struct {
	context.Context
	values context.Context
}

func (w *withValues) Value(key any) any {
	if v := w.values.Value(key); v != nil {
		return v
	}
	return w.Context.Value(key)
}
