package redis

import (
	"context"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/internal/redistest"
)

// waitBound bounds how long a test waits for a message from a real Redis
// before it fails; a passing test never waits for it to run out.
const waitBound = 10 * time.Second

// next returns the next message of sub, failing t if none arrives.
func next(t *testing.T, sub cache.Subscription) cache.Message {
	t.Helper()
	select {
	case m, ok := <-sub.Messages():
		if !ok {
			t.Fatal("Messages() closed, want a message")
		}
		return m
	case <-time.After(waitBound):
		t.Fatal("no message")
	}
	return cache.Message{}
}

func TestPublishSubscribe(t *testing.T) {
	ctx := context.Background()
	for name, client := range clients(t) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t, client)
			sub, err := s.Subscribe(ctx, "inv")
			if err != nil {
				t.Fatalf("Subscribe() = %v, want nil", err)
			}
			defer sub.Close()
			other, err := s.Subscribe(ctx, "other")
			if err != nil {
				t.Fatalf("Subscribe() = %v, want nil", err)
			}
			defer other.Close()
			for _, msg := range []string{"one", "two"} {
				if err := s.Publish(ctx, "inv", msg); err != nil {
					t.Fatalf("Publish(%s) = %v, want nil", msg, err)
				}
			}
			for _, want := range []string{"one", "two"} {
				if got := next(t, sub); got != (cache.Message{Payload: want}) {
					t.Errorf("message = %+v, want payload %q", got, want)
				}
			}
			select {
			case m := <-other.Messages():
				t.Errorf("the other channel received %+v, want nothing", m)
			default:
			}
		})
	}
}

func TestSubscribeReconnectResets(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	client := newClient(t, srv.Addr())
	s := newStore(t, client)
	sub, err := s.Subscribe(ctx, "inv")
	if err != nil {
		t.Fatalf("Subscribe() = %v, want nil", err)
	}
	defer sub.Close()
	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	if got := next(t, sub); !got.Reset {
		t.Fatalf("first message after a restart = %+v, want Reset", got)
	}
	if err := s.Publish(ctx, "inv", "after"); err != nil {
		t.Fatalf("Publish() after the restart = %v, want nil", err)
	}
	if got := next(t, sub); got != (cache.Message{Payload: "after"}) {
		t.Errorf("message after the restart = %+v, want payload %q", got, "after")
	}
}

func TestSubscriptionClose(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, newClient(t, redistest.Start(t).Addr()), WithChannelSize(4))
	sub, err := s.Subscribe(ctx, "inv")
	if err != nil {
		t.Fatalf("Subscribe() = %v, want nil", err)
	}
	// Fill the buffers without receiving: Close must not wait for a reader.
	for range 100 {
		if err := s.Publish(ctx, "inv", "x"); err != nil {
			t.Fatalf("Publish() = %v", err)
		}
	}
	if err := sub.Close(); err != nil {
		t.Errorf("Close() = %v, want nil", err)
	}
	for range sub.Messages() { // closed by Close: the loop ends
	}
	_ = sub.Close() // a second Close does not block
}
