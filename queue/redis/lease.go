package redis

import (
	"context"
	"sync"
	"time"
)

// lease is the consumer's claim on one entry while it holds it: from the
// read until the acknowledgement, the retry or the release.
type lease struct {
	entry   string
	renewed time.Time               // last time Redis confirmed the claim
	cancel  context.CancelCauseFunc // the handler's, once it runs
	lost    bool
}

// leaseTable holds the consumer's leases, by entry ID.
type leaseTable struct {
	mu sync.Mutex
	m  map[string]*lease
}

func (t *leaseTable) init() { t.m = make(map[string]*lease) }

// add records a lease on entry, confirmed at now.
func (t *leaseTable) add(entry string, now time.Time) *lease {
	l := &lease{entry: entry, renewed: now}
	t.mu.Lock()
	t.m[entry] = l
	t.mu.Unlock()
	return l
}

// remove forgets l.
func (t *leaseTable) remove(l *lease) {
	t.mu.Lock()
	if t.m[l.entry] == l {
		delete(t.m, l.entry)
	}
	t.mu.Unlock()
}

// start records the cancel func of l's handler and reports whether l is
// still held; if it was lost, it calls cancel at once.
func (t *leaseTable) start(l *lease, cancel context.CancelCauseFunc) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l.cancel = cancel
	if l.lost {
		cancel(ErrLeaseLost)
	}
	return !l.lost
}

// finish clears l's cancel func once its handler returned.
func (t *leaseTable) finish(l *lease) {
	t.mu.Lock()
	l.cancel = nil
	t.mu.Unlock()
}

// entries appends the IDs of the leases still held to ids.
func (t *leaseTable) entries(ids []any) []any {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, l := range t.m {
		if !l.lost {
			ids = append(ids, id)
		}
	}
	return ids
}

// renewed marks the leases of kept as confirmed at now, and the other
// leases of asked as lost, cancelling their handlers.
func (t *leaseTable) renewed(asked []any, kept map[string]bool, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range asked {
		l := t.m[id.(string)]
		if l == nil || l.lost {
			continue
		}
		if kept[l.entry] {
			l.renewed = now
		} else {
			l.loseLocked()
		}
	}
}

// expire marks as lost every lease not confirmed since before cutoff: the
// heartbeat could not reach Redis, so another consumer may have the entry.
func (t *leaseTable) expire(cutoff time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range t.m {
		if !l.lost && l.renewed.Before(cutoff) {
			l.loseLocked()
		}
	}
}

func (l *lease) loseLocked() {
	l.lost = true
	if l.cancel != nil {
		l.cancel(ErrLeaseLost)
	}
}
