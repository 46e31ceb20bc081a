package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// maxErrorText bounds the error text kept with a retried or dead job.
const maxErrorText = 8 << 10

// work1 is one worker: it runs deliveries until the reader stops. If a
// handler calls runtime.Goexit, the delivery fails with a [PanicError]
// and a new worker takes this one's place.
func (c *Consumer[T]) work1() {
	var cur *delivery
	exited := true
	defer func() {
		if exited && cur != nil { // runtime.Goexit in the handler
			c.stats.inFlight.Add(-1)
			c.settle(cur, newPanicError(nil))
			c.slots <- struct{}{}
			c.workers.Add(1)
			go c.work1()
		}
		c.workers.Done()
	}()
	for d := range c.work {
		cur = d
		c.process(d)
		cur = nil
		c.slots <- struct{}{}
	}
	exited = false
}

// process runs one delivery and settles it.
func (c *Consumer[T]) process(d *delivery) {
	switch {
	case d.group != "" && d.group != c.group:
		d.unique = "" // the job is still pending in its own group
		c.acks <- d   // a retry meant for another group: not ours to run
		return
	case c.isStopping():
		c.release(d)
		return
	case d.deliveries() > c.cfg.maxDeliveries:
		c.toDead(d, fmt.Sprintf("queue/redis: delivered %d times without being acknowledged: "+
			"its consumers crashed or lost their lease each time", d.deliveries()))
		return
	}
	ctx, cancel := context.WithCancelCause(c.base)
	defer cancel(nil)
	if !c.leases.start(d.lease, cancel) {
		c.leases.remove(d.lease) // another consumer has it now
		return
	}
	c.stats.inFlight.Add(1)
	err, decoded := c.call(ctx, d.payload)
	c.stats.inFlight.Add(-1)
	c.leases.finish(d.lease)
	if !decoded { // retrying cannot fix it
		c.stats.failed.Add(1)
		c.toDead(d, err.Error())
		return
	}
	c.settle(d, err)
}

// isStopping reports whether Shutdown has begun.
func (c *Consumer[T]) isStopping() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

// call decodes the payload and runs the handler on it, turning a panic
// of either into a [PanicError]. decoded is false if the codec failed.
func (c *Consumer[T]) call(ctx context.Context, payload string) (err error, decoded bool) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(r)
		}
	}()
	var v T
	if err := c.cfg.codec.Unmarshal([]byte(payload), &v); err != nil {
		return fmt.Errorf("queue/redis: decode job: %w", err), false
	}
	decoded = true
	return c.handler(ctx, v), decoded
}

// settle acknowledges a handled delivery, or retries or dead-letters a
// failed one.
func (c *Consumer[T]) settle(d *delivery, err error) {
	if err == nil {
		c.stats.handled.Add(1)
		c.acks <- d
		return
	}
	c.stats.failed.Add(1)
	text := errorText(err)
	if d.deliveries() >= c.cfg.maxDeliveries {
		c.toDead(d, text)
	} else {
		c.retry(d, text)
	}
	if c.cfg.onError != nil {
		c.cfg.onError(d.job, err)
	}
}

// retry schedules d's job to run again after a backoff, through the delay
// set, if this consumer still owns the entry.
func (c *Consumer[T]) retry(d *delivery, text string) {
	delay := retryDelay(d.deliveries(), c.cfg.retryBase, c.cfg.retryMax)
	if c.reschedule(d, d.deliveries(), text, delay) {
		c.stats.retried.Add(1)
	}
}

// release puts back an entry that Shutdown kept from running, to run at
// once elsewhere; this delivery is not counted.
func (c *Consumer[T]) release(d *delivery) {
	if c.reschedule(d, d.deliveries()-1, "", 0) {
		c.stats.released.Add(1)
	}
}

// reschedule moves d's job to the delay set, to run after delay with the
// given count of deliveries. It reports whether it did; if it did not
// (Redis is unreachable, or the entry is another consumer's now), the
// entry stays pending and is reclaimed after the visibility timeout.
func (c *Consumer[T]) reschedule(d *delivery, deliveries int, text string, delay time.Duration) bool {
	defer c.leases.remove(d.lease)
	ctx, cancel := context.WithTimeout(c.life, c.cfg.visibility)
	defer cancel()
	k := c.keys
	n, err := retryScript.Run(ctx, c.client, []string{k.stream, k.delay, k.jobs},
		c.group, c.name, d.entry, strconv.Itoa(deliveries), text, delay.Milliseconds()).Int64()
	return err == nil && n == 1
}

// toDead moves d's job to the dead letters, if this consumer still owns
// the entry.
func (c *Consumer[T]) toDead(d *delivery, text string) {
	defer c.leases.remove(d.lease)
	ctx, cancel := context.WithTimeout(c.life, c.cfg.visibility)
	defer cancel()
	k := c.keys
	n, err := deadScript.Run(ctx, c.client, []string{k.stream, k.dead, k.uniq},
		c.group, c.name, d.entry, strconv.Itoa(d.deliveries()), text).Int64()
	if err == nil && n == 1 {
		c.stats.dead.Add(1)
	}
}

// errorText is what a retried or dead job keeps of err: its message, and
// for a panic the stack.
func errorText(err error) string {
	s := err.Error()
	if pe, ok := errors.AsType[*PanicError](err); ok {
		s += "\n" + string(pe.Stack)
	}
	if len(s) > maxErrorText {
		s = s[:maxErrorText]
	}
	return s
}
