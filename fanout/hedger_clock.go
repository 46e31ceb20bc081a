package fanout

import "time"

// The primitives of a hedger that differ between package time (more nil, or
// more.clock nil) and a Clock.

// arm starts (or restarts) the delay before the next attempt.
func (h *hedger[R]) arm(delay time.Duration) {
	c := h.clock()
	if c == nil {
		if h.timer == nil {
			h.timer = time.NewTimer(delay)
		} else {
			// Reset drops a tick not yet received (Go 1.23); one received
			// already is stale too. Only race touches fired on package time.
			h.timer.Reset(delay)
			h.fired = false
		}
		return
	}
	m := h.more
	if m.timer != nil {
		m.timer.Stop()
	}
	h.mu.Lock()
	m.armed++
	armed := m.armed
	h.fired = false
	h.mu.Unlock()
	m.timer = c.AfterFunc(delay, func() { h.tick(armed) })
}

func (h *hedger[R]) disarm() {
	if h.clock() == nil {
		h.timer.Stop()
	} else {
		h.more.timer.Stop()
	}
}

// tick records that the delay of the armed-th timer on the Clock has
// passed, unless a later one replaced it.
func (h *hedger[R]) tick(armed int) {
	h.mu.Lock()
	if armed == h.more.armed {
		h.fired = true
	}
	h.mu.Unlock()
	h.notify()
}

// epoch returns what wait needs to see a wake-up that comes between a check
// of the state and the wait: on a Clock, the epoch of the condition that
// race (or stop) waits on; package time needs none, the token stays on
// wake.
func (h *hedger[R]) epoch(race bool) uint64 {
	switch {
	case h.clock() == nil:
		return 0
	case race:
		return h.more.progress.epoch()
	default:
		return h.more.idle.epoch()
	}
}

// wait blocks until the state under mu may have changed since epoch e or,
// when race is set, until the delay passes or ctx is done.
func (h *hedger[R]) wait(e uint64, race bool) {
	switch {
	case h.clock() != nil && race:
		h.more.progress.wait(e)
	case h.clock() != nil:
		h.more.idle.wait(e)
	case race:
		select {
		case <-h.wake:
		case <-h.timer.C:
			h.mu.Lock()
			h.fired = true
			h.mu.Unlock()
		case <-h.ctx.Done():
		}
	default:
		<-h.wake
	}
}

// notify wakes race or stop, whichever waits.
func (h *hedger[R]) notify() {
	if h.clock() != nil {
		h.more.progress.broadcast()
		h.more.idle.broadcast()
		return
	}
	select {
	case h.wake <- struct{}{}:
	default:
	}
}
