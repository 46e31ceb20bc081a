package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Bounds of the delay between attempts to subscribe to the invalidation
// channel after a failure.
const (
	minResubscribe = 100 * time.Millisecond
	maxResubscribe = 5 * time.Second
)

// idLen is the length of a Cache's instance id, which starts each of its
// invalidation messages.
const idLen = 16

// An invalidation message is the sender's id, then for each key its length
// as a uvarint and its bytes. Keys carry the sender's namespace.
func encodeInvalidation(id string, keys []string) string {
	n := len(id)
	for _, k := range keys {
		n += binary.MaxVarintLen64 + len(k)
	}
	b := make([]byte, 0, n)
	b = append(b, id...)
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	return string(b)
}

// errBadInvalidation reports a message on the invalidation channel that no
// Cache wrote.
var errBadInvalidation = errors.New("cache: malformed invalidation message")

// decodeInvalidation parses a message built by encodeInvalidation.
func decodeInvalidation(msg string) (id string, keys []string, err error) {
	if len(msg) < idLen {
		return "", nil, fmt.Errorf("%w: %d bytes", errBadInvalidation, len(msg))
	}
	id, rest := msg[:idLen], msg[idLen:]
	for len(rest) > 0 {
		n, w := binary.Uvarint([]byte(rest[:min(len(rest), binary.MaxVarintLen64)]))
		if w <= 0 || n > uint64(len(rest)-w) {
			return "", nil, fmt.Errorf("%w: bad key length", errBadInvalidation)
		}
		keys = append(keys, rest[w:w+int(n)])
		rest = rest[w+int(n):]
	}
	return id, keys, nil
}

// startWatcher subscribes to the invalidation channel, once at once and
// then, after a failure or the subscription's end, in the background.
func (c *Cache[V]) startWatcher(ps PubSub) {
	c.pubsub = ps
	sub, _ := c.subscribe()
	c.watcher.Add(1)
	go c.watch(sub)
}

// subscribe subscribes to the invalidation channel within the remote
// timeout, cancelled by Close.
func (c *Cache[V]) subscribe() (Subscription, error) {
	var sub Subscription
	err := c.remote(c.life.ctx, "subscribe", func(ctx context.Context) error {
		s, err := c.pubsub.Subscribe(ctx, c.cfg.channel)
		sub = s
		return err
	})
	if err != nil && sub != nil { // the guard failed a call that succeeded
		_ = sub.Close()
		sub = nil
	}
	return sub, err
}

// watch runs on the Cache's goroutine until Close: it applies the messages
// of sub and, whenever there is no subscription, makes a new one, dropping
// the local tier once it has one, since messages may have been lost. A
// hook that ends the goroutine through runtime.Goexit (safely reports it)
// does not end the watching: a new goroutine carries on with sub.
func (c *Cache[V]) watch(sub Subscription) {
	returned := false
	defer func() {
		if !returned {
			c.watcher.Add(1)
			go c.watch(sub)
		}
		c.watcher.Done()
	}()
	c.watchLoop(&sub)
	returned = true
}

// watchLoop is watch's loop. It keeps the current subscription in *sub.
func (c *Cache[V]) watchLoop(sub *Subscription) {
	delay := minResubscribe
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if *sub != nil {
			c.consume(*sub)
			_ = (*sub).Close()
			*sub = nil
		}
		timer.Reset(delay)
		select {
		case <-c.life.ctx.Done():
			return
		case <-timer.C:
		}
		var err error
		c.safely(func() { *sub, err = c.subscribe() })
		if err != nil || *sub == nil {
			delay = min(2*delay, maxResubscribe)
			continue
		}
		delay = minResubscribe
		c.safely(c.reset)
	}
}

// consume applies the messages of sub until it ends or the Cache closes.
func (c *Cache[V]) consume(sub Subscription) {
	for {
		select {
		case <-c.life.ctx.Done():
			return
		case m, ok := <-sub.Messages():
			if !ok {
				return
			}
			c.safely(func() { c.apply(m) })
		}
	}
}

// apply applies one message: a Reset drops the local tier, an invalidation
// from another Cache drops its keys that are in this Cache's namespace.
func (c *Cache[V]) apply(m Message) {
	if m.Reset {
		c.reset()
		return
	}
	id, keys, err := decodeInvalidation(m.Payload)
	if err != nil {
		c.report("invalidate", err)
		return
	}
	if id == c.id {
		return
	}
	mine := keys[:0]
	for _, k := range keys {
		if k, ok := strings.CutPrefix(k, c.cfg.namespace); ok && k != "" {
			c.invalidate(k)
			mine = append(mine, k)
		}
	}
	if len(mine) == 0 {
		return
	}
	c.stats.invalidations.Add(int64(len(mine)))
	if c.cfg.onInvalidate != nil {
		c.cfg.onInvalidate(mine)
	}
}

// reset drops the whole local tier and every fill in progress.
func (c *Cache[V]) reset() {
	for i := range c.gens {
		c.gens[i].Add(1)
	}
	if c.local != nil {
		c.local.Clear()
	}
	c.stats.resets.Add(1)
	if c.cfg.onInvalidate != nil {
		c.cfg.onInvalidate(nil)
	}
}

// publish tells the other Caches on the channel to drop keys. A failure
// is counted and reported, not returned: the Store write it follows
// succeeded, and the other Caches' local ttl bounds what they miss.
func (c *Cache[V]) publish(ctx context.Context, keys ...string) {
	if c.pubsub == nil {
		return
	}
	msg := encodeInvalidation(c.id, c.storeKeys(keys))
	_ = c.remote(ctx, "publish", func(ctx context.Context) error {
		return c.pubsub.Publish(ctx, c.cfg.channel, msg)
	})
}

// safely runs f, a call into hooks on the Cache's own goroutine, keeping
// the first panic, or runtime.Goexit, for Close to return.
func (c *Cache[V]) safely(f func()) {
	returned := false
	defer func() {
		if p := recover(); p != nil || !returned {
			c.panicMu.Lock()
			defer c.panicMu.Unlock()
			if c.panic == nil {
				c.panic = newPanicError(p)
			}
		}
	}()
	f()
	returned = true
}
