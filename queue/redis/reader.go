package redis

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// reader is the state of the consumer's read loop.
type reader struct {
	cursor      string    // XAUTOCLAIM's cursor
	nextReclaim time.Time // when to look for abandoned entries next
	nextPromote time.Time // when to move due delayed jobs next
	failures    int       // consecutive Redis errors
}

// read feeds the workers until Shutdown: it waits for free slots, then
// moves due delayed jobs to the stream, reclaims abandoned entries, or
// reads new ones (XREADGROUP, COUNT the free slots up to the batch size,
// BLOCK up to the next chore). After a Redis error it backs off, with
// jitter, and tries again: the consumer resumes by itself when Redis
// returns.
func (c *Consumer[T]) read() {
	defer close(c.readerDone)
	defer close(c.work)
	r := reader{cursor: "0-0"}
	for {
		n := c.acquire()
		if n == 0 {
			return
		}
		got, err := c.fetch(&r, n)
		for range n - got {
			c.slots <- struct{}{}
		}
		if err == nil {
			r.failures = 0
			continue
		}
		r.failures++
		if c.pause(retryDelay(r.failures, 50*time.Millisecond, 5*time.Second)) {
			return
		}
	}
}

// acquire takes one free slot, waiting for it, then as many more as are
// free, up to the batch size. It returns 0 once Shutdown has begun.
func (c *Consumer[T]) acquire() int {
	if c.isStopping() { // a select picks at random among ready cases
		return 0
	}
	select {
	case <-c.stop:
		return 0
	case <-c.slots:
	}
	n := 1
	for n < c.cfg.batch {
		select {
		case <-c.slots:
			n++
		default:
			return n
		}
	}
	return n
}

// pause waits d, and reports whether Shutdown began meanwhile.
func (c *Consumer[T]) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.stop:
		return true
	case <-t.C:
		return false
	}
}

// fetch does one step of the read loop with n free slots and returns how
// many entries it handed to the workers.
func (c *Consumer[T]) fetch(r *reader, n int) (int, error) {
	ctx, cancel := context.WithTimeout(c.life, c.cfg.block+c.cfg.visibility)
	defer cancel()
	now := time.Now()
	if !now.Before(r.nextPromote) {
		wait, err := c.promote(ctx)
		if err != nil {
			return 0, err
		}
		r.nextPromote = now.Add(min(wait, c.cfg.block))
	}
	if !now.Before(r.nextReclaim) {
		got, more, err := c.reclaim(ctx, r, n)
		if err != nil {
			return got, err
		}
		r.nextReclaim = now.Add(c.cfg.visibility / 2)
		if more {
			r.nextReclaim = now
		}
		if got > 0 {
			return got, nil
		}
	}
	block := min(time.Until(r.nextPromote), time.Until(r.nextReclaim), c.cfg.block)
	return c.readNew(ctx, n, max(block, time.Millisecond))
}

// promote moves due delayed jobs to the stream and returns how long until
// the next one is due.
func (c *Consumer[T]) promote(ctx context.Context) (time.Duration, error) {
	k := c.keys
	vals, err := promoteScript.Run(ctx, c.client, []string{k.stream, k.delay, k.jobs}, 1000).Int64Slice()
	if err != nil {
		return 0, err
	}
	if vals[0] == 1000 { // more may be due
		return 0, nil
	}
	if vals[1] < 0 {
		return c.cfg.block, nil
	}
	return time.Duration(vals[1]) * time.Millisecond, nil
}

// readNew reads up to n new entries, waiting up to block for the first.
func (c *Consumer[T]) readNew(ctx context.Context, n int, block time.Duration) (int, error) {
	streams, err := c.client.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: c.group, Consumer: c.name, Streams: []string{c.keys.stream, ">"},
		Count: int64(n), Block: block,
	}).Result()
	if err == redis.Nil {
		return 0, nil
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), "NOGROUP") { // the stream or group was deleted
			_ = c.createGroup(ctx)
		}
		return 0, err
	}
	got := 0
	now := time.Now()
	for _, s := range streams {
		for _, m := range s.Messages {
			c.dispatch(newDelivery(m.ID, m.Values, 1), now)
			got++
		}
	}
	return got, nil
}

// reclaim claims up to n entries idle for longer than the visibility
// timeout, and reports whether more may be waiting.
func (c *Consumer[T]) reclaim(ctx context.Context, r *reader, n int) (int, bool, error) {
	res, err := reclaimScript.Run(ctx, c.client, []string{c.keys.stream},
		c.group, c.name, c.cfg.visibility.Milliseconds(), r.cursor, n).Slice()
	if err != nil {
		if strings.HasPrefix(err.Error(), "NOGROUP") {
			_ = c.createGroup(ctx)
		}
		return 0, false, err
	}
	r.cursor, _ = res[0].(string)
	entries, _ := res[1].([]any)
	now := time.Now()
	for _, e := range entries {
		f, _ := e.([]any)
		id, _ := f[0].(string)
		count, _ := f[2].(int64)
		d := newDelivery(id, pairs(f[1]), int(count))
		c.stats.reclaimed.Add(1)
		c.dispatch(d, now)
	}
	return len(entries), r.cursor != "0-0", nil
}

// dispatch takes a lease on d, confirmed at now, and hands it to a worker.
// The work channel has room: the reader holds a slot for d.
func (c *Consumer[T]) dispatch(d *delivery, now time.Time) {
	d.lease = c.leases.add(d.entry, now)
	c.work <- d
}

// newDelivery builds a delivery from an entry's fields.
func newDelivery(id string, values map[string]any, count int) *delivery {
	d := &delivery{entry: id, count: count}
	d.job, _ = values["id"].(string)
	d.payload, _ = values["p"].(string)
	d.unique, _ = values["u"].(string)
	d.group, _ = values["g"].(string)
	if n, ok := values["n"].(string); ok {
		d.prior, _ = strconv.Atoi(n)
	}
	return d
}

// pairs turns a flat array of fields and values into a map.
func pairs(v any) map[string]any {
	flat, _ := v.([]any)
	m := make(map[string]any, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		m[k] = flat[i+1]
	}
	return m
}

// retryDelay is "equal jitter" backoff for try n >= 1: half of
// base·2^(n-1), capped at max, plus a random part of the other half, so
// that retries neither hammer nor synchronise.
func retryDelay(n int, base, ceiling time.Duration) time.Duration {
	d := ceiling
	if n < 63 && base <= ceiling>>(n-1) {
		d = base << (n - 1)
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}
