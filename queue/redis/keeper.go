package redis

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// keep renews the consumer's leases every third of the visibility timeout,
// and once per visibility timeout refreshes the group's figures, trims the
// stream and removes consumers that are gone, until Shutdown.
func (c *Consumer[T]) keep() {
	defer close(c.keeperDone)
	every := c.cfg.visibility / 3
	t := time.NewTicker(every)
	defer t.Stop()
	c.maintain()
	for n := 1; ; n++ {
		select {
		case <-c.stopKeeper:
			return
		case <-t.C:
		}
		c.renew(every)
		if n%3 == 0 {
			c.maintain()
		}
	}
}

// renew extends the leases this consumer still owns, and cancels the
// handlers of the others.
func (c *Consumer[T]) renew(timeout time.Duration) {
	args := c.leases.entries([]any{c.group, c.name})
	if len(args) == 2 {
		return
	}
	ctx, cancel := context.WithTimeout(c.life, timeout)
	defer cancel()
	start := time.Now()
	kept, err := heartbeatScript.Run(ctx, c.client, []string{c.keys.stream}, args...).StringSlice()
	if err != nil {
		// Redis is out of reach: a lease older than the visibility timeout
		// may already be someone else's.
		c.leases.expire(time.Now().Add(-c.cfg.visibility))
		return
	}
	set := make(map[string]bool, len(kept))
	for _, id := range kept {
		set[id] = true
	}
	c.leases.renewed(args[2:], set, start)
}

// maintain refreshes Stats' Pending and Lag, trims the stream below what
// every group still needs, and removes consumers that hold no entry and
// have been idle for ten visibility timeouts (they are gone, or will be
// re-created by their next read).
func (c *Consumer[T]) maintain() {
	ctx, cancel := context.WithTimeout(c.life, c.cfg.visibility)
	defer cancel()
	if groups, err := c.client.XInfoGroups(ctx, c.keys.stream).Result(); err == nil {
		c.groupFigures(groups)
	}
	_ = trimScript.Run(ctx, c.client, []string{c.keys.stream}).Err()
	idle := max(10*c.cfg.visibility, time.Minute)
	_ = cleanupScript.Run(ctx, c.client, []string{c.keys.stream}, c.group, idle.Milliseconds(), "").Err()
}

func (c *Consumer[T]) groupFigures(groups []redis.XInfoGroup) {
	for _, g := range groups {
		if g.Name == c.group {
			c.stats.pending.Store(g.Pending)
			c.stats.lag.Store(g.Lag)
		}
	}
}
