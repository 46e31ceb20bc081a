package redis

import (
	"context"
	"time"
)

// maxAckBatch bounds the entries acknowledged by one call.
const maxAckBatch = 512

// ack acknowledges handled deliveries in batches: one call for whatever
// the workers handed over since the last one. A failed call is retried
// with backoff; once Shutdown has begun it gives up after a few tries,
// and the entries stay pending, to be reclaimed and run again.
func (c *Consumer[T]) ack() {
	defer close(c.ackerDone)
	batch := make([]*delivery, 0, maxAckBatch)
	args := make([]any, 0, 2+maxAckBatch)
	for d := range c.acks {
		batch = append(batch[:0], d)
	drain:
		for len(batch) < maxAckBatch {
			select {
			case d, ok := <-c.acks:
				if !ok {
					break drain
				}
				batch = append(batch, d)
			default:
				break drain
			}
		}
		args = c.flush(batch, args)
	}
}

// flush acknowledges batch and releases its leases.
func (c *Consumer[T]) flush(batch []*delivery, args []any) []any {
	args = append(args[:0], c.group, len(batch))
	for _, d := range batch {
		args = append(args, d.entry)
	}
	for _, d := range batch {
		if d.unique != "" {
			args = append(args, d.unique, d.job)
		}
	}
	keys := []string{c.keys.stream, c.keys.uniq}
	plain := len(args) == 2+len(batch) // no unique key to release: XACK will do
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(c.life, c.cfg.visibility)
		var err error
		if plain {
			err = c.client.Do(ctx, append([]any{"XACK", c.keys.stream, c.group}, args[2:]...)...).Err()
		} else {
			err = ackScript.Run(ctx, c.client, keys, args...).Err()
		}
		cancel()
		if err == nil || (c.isStopping() && try >= 3) {
			break
		}
		// Wait even when stopping: the leases are still renewed meanwhile.
		time.Sleep(retryDelay(try, 20*time.Millisecond, time.Second))
	}
	for _, d := range batch {
		c.leases.remove(d.lease)
	}
	return args
}
