package idempotency

import (
	"context"
	"errors"
	"sync"
	"time"
)

// hold runs fn (through run) under the hold with token, acquired at or
// after start, renewing the lease meanwhile, then records or releases.
func (g *Group) hold(ctx context.Context, key string, token uint64, start time.Time,
	run func(context.Context) ([]byte, error)) error {
	l := g.startLease(ctx, key, token, start)
	finished := false
	defer func() {
		if !finished { // fn panicked or called runtime.Goexit
			l.stop()
			_ = g.release(ctx, key, token)
		}
	}()
	rec, err := run(l.ctx)
	finished = true
	l.stop()
	if rec == nil {
		if rerr := g.release(ctx, key, token); rerr != nil && err == nil {
			err = rerr
		}
		return err
	}
	sctx, cancel := g.afterCtx(ctx)
	defer cancel()
	if cerr := g.cfg.store.Complete(sctx, key, token, rec, g.cfg.ttl); cerr != nil {
		g.stats.storeErrors.Add(1)
		return errors.Join(err, storeError("complete", cerr))
	}
	return err
}

// release removes the hold with token, best effort: the lease bounds how
// long a hold that could not be released blocks the key.
func (g *Group) release(ctx context.Context, key string, token uint64) error {
	sctx, cancel := g.afterCtx(ctx)
	defer cancel()
	if err := g.cfg.store.Release(sctx, key, token); err != nil && !isLeaseLost(err) {
		g.stats.storeErrors.Add(1)
		return storeError("release", err)
	}
	return nil
}

// afterCtx returns the ctx for the Store calls that end a hold: ctx's
// values without its cancellation (a result is worth recording after the
// caller gave up waiting for it), bounded by the lease.
func (g *Group) afterCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), g.cfg.lease)
}

// lease is the renewal of one hold: the ctx fn runs with, and the
// goroutine that renews the lease until stop.
type lease struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{} // closed by stop
	wg     sync.WaitGroup
	once   sync.Once
}

// startLease starts renewing the hold with token every lease/3 until stop,
// that is for as long as fn runs, even after ctx ends: a holder that is
// still running keeps others out. It cancels l.ctx with ErrLeaseLost when
// the Store says the hold is gone, or when the lease has run out (by this
// process's clock, counted from start) without a successful renewal.
func (g *Group) startLease(ctx context.Context, key string, token uint64, start time.Time) *lease {
	fctx, cancel := context.WithCancelCause(ctx)
	l := &lease{
		ctx:    context.WithValue(fctx, tokenKey{}, token),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		g.renew(l, key, token, start.Add(g.cfg.lease))
	}()
	return l
}

// renew is the renewal loop of l; expires is when the lease runs out.
func (g *Group) renew(l *lease, key string, token uint64, expires time.Time) {
	t := time.NewTicker(g.cfg.lease / 3)
	defer t.Stop()
	wake := time.NewTimer(time.Until(expires))
	defer wake.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-wake.C:
			l.cancel(ErrLeaseLost)
			return
		case <-t.C:
		}
		if l.stopped() { // a tick that was pending when stop closed done
			return
		}
		at := time.Now()
		rctx, cancel := context.WithDeadline(context.WithoutCancel(l.ctx), expires)
		err := g.cfg.store.Renew(rctx, key, token, g.cfg.lease)
		cancel()
		switch {
		case err == nil:
			expires = at.Add(g.cfg.lease)
			wake.Reset(time.Until(expires))
		case isLeaseLost(err):
			l.cancel(ErrLeaseLost)
			return
		default:
			g.stats.storeErrors.Add(1)
		}
	}
}

// stop ends the renewal, waits for its goroutine and releases l.ctx.
func (l *lease) stop() {
	l.once.Do(func() {
		close(l.done)
		l.wg.Wait()
		l.cancel(nil)
	})
}

// stopped reports whether stop has been called: a select that finds both
// done closed and a tick pending picks either, so the loop checks done
// again before it starts a renewal.
func (l *lease) stopped() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func isLeaseLost(err error) bool { return errors.Is(err, ErrLeaseLost) }
