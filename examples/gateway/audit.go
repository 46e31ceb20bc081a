package main

import (
	"context"
	"sync"
	"time"
)

// auditEvent records one request the gateway answered.
type auditEvent struct {
	id     string
	status int
}

// auditLog stands for the store audit events go to: it counts them by status.
type auditLog struct {
	mu       sync.Mutex
	byStatus map[int]int
}

// write stores one event.
func (l *auditLog) write(_ context.Context, e auditEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byStatus == nil {
		l.byStatus = make(map[int]int)
	}
	l.byStatus[e.status]++
	return nil
}

// auditWait is how long a request waits for room in a full audit queue.
const auditWait = 100 * time.Millisecond

// record queues an audit event for the request, even when its client has
// gone. Submit blocks while the queue is full, up to auditWait:
// backpressure, not loss. An event the pool did not accept is counted as
// refused.
func (g *gateway) record(ctx context.Context, e auditEvent) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditWait)
	defer cancel()
	if err := g.audit.Submit(ctx, e); err != nil {
		g.refused.Add(1)
	}
}
