package redis

import (
	"context"
	"fmt"
	"sync"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/redis/go-redis/v9"
)

// Subscribe subscribes to channel (prefixed) and waits, within ctx, for
// Redis to confirm the subscription. Later confirmations, which go-redis
// receives when it re-subscribes after losing the connection, arrive as
// messages with Reset set.
func (s *Store) Subscribe(ctx context.Context, channel string) (cache.Subscription, error) {
	if ctx == nil {
		return nil, nilContext("Subscribe")
	}
	name := s.cfg.prefix + channel
	ps := s.client.Subscribe(ctx, name)
	first, err := ps.Receive(ctx)
	if err == nil {
		if sub, ok := first.(*redis.Subscription); !ok || sub.Kind != "subscribe" || sub.Channel != name {
			err = fmt.Errorf("unexpected reply %v", first)
		}
	}
	if err != nil {
		_ = ps.Close()
		return nil, fmt.Errorf("cache/redis: SUBSCRIBE %s: %w", name, err)
	}
	sub := &subscription{
		ps:     ps,
		out:    make(chan cache.Message, s.cfg.channelSize),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	go sub.forward(ps.ChannelWithSubscriptions(redis.WithChannelSize(s.cfg.channelSize)))
	return sub, nil
}

// subscription is a [cache.Subscription] on a go-redis PubSub.
type subscription struct {
	ps     *redis.PubSub
	out    chan cache.Message
	done   chan struct{} // closed by Close: stop delivering
	exited chan struct{} // closed when forward has returned
	once   sync.Once
	err    error
}

// Messages returns the subscription's channel, closed once Close has
// stopped the forwarding goroutine.
func (s *subscription) Messages() <-chan cache.Message { return s.out }

// forward turns go-redis messages into cache messages until go-redis closes
// in, which it does once the PubSub is closed. After Close it keeps
// draining in, so that go-redis's goroutine is never left blocked.
func (s *subscription) forward(in <-chan any) {
	defer close(s.exited)
	defer close(s.out)
	for m := range in {
		var msg cache.Message
		switch m := m.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			msg.Reset = true
		case *redis.Message:
			msg.Payload = m.Payload
		default:
			continue
		}
		select {
		case s.out <- msg:
		case <-s.done:
		}
	}
}

// Close unsubscribes, closes the PubSub connection and waits until the
// goroutines that served the subscription have exited.
func (s *subscription) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.err = s.ps.Close()
		<-s.exited
	})
	return s.err
}
