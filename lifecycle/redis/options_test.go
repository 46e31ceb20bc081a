package redis

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestNewBadInput(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	noCtx := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer noCtx.Close()
	tests := []struct {
		client redis.UniversalClient
		name   string
		opts   []Option
		want   string
	}{
		{nil, "job", nil, "lifecycle/redis: New: client must not be nil"},
		{client, "", nil, `lifecycle/redis: New: name must be non-empty without '{' or '}', got ""`},
		{client, "a{b}", nil, `lifecycle/redis: New: name must be non-empty without '{' or '}', got "a{b}"`},
		{client, "job", []Option{nil}, "lifecycle/redis: nil Option"},
		{client, "job", []Option{WithTTL(time.Millisecond)}, "lifecycle/redis: WithTTL: ttl must be >= 10ms, got 1ms"},
		{client, "job", []Option{WithRenewEvery(0)}, "lifecycle/redis: WithRenewEvery: interval must be > 0, got 0s"},
		{client, "job", []Option{WithTTL(time.Second), WithRenewEvery(950 * time.Millisecond)},
			"lifecycle/redis: WithRenewEvery: interval must be < 9/10 of the TTL (900ms), got 950ms"},
		{client, "job", []Option{WithPrefix("app{x}:")}, `lifecycle/redis: WithPrefix: prefix must not contain '{' or '}', got "app{x}:"`},
		{noCtx, "job", nil, "lifecycle/redis: New: the client must have ContextTimeoutEnabled: true, or it ignores the deadlines of the lease's renewals"},
	}
	for _, tt := range tests {
		l, err := New(tt.client, tt.name, tt.opts...)
		if err == nil || err.Error() != tt.want || l != nil {
			t.Errorf("New(%q) = %v, %v, want nil, %q", tt.name, l, err, tt.want)
		}
	}
}

func TestNewKeys(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	l, err := New(client, "sweep", WithPrefix("app:"), WithTTL(1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if l.keys[0] != "app:{sweep}" || l.keys[1] != "app:{sweep}:fence" || l.ttlMilli != "1500" || l.cfg.renew != 500*time.Millisecond {
		t.Errorf("keys %q, ttl %sms, renew %v; want app:{sweep}, app:{sweep}:fence, 1500, 500ms", l.keys, l.ttlMilli, l.cfg.renew)
	}
}

func TestRunBadInput(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	l, err := New(client, "job")
	if err != nil {
		t.Fatal(err)
	}
	var nilCtx context.Context
	tests := []struct {
		err  error
		want string
	}{
		{l.Run(nilCtx, func(context.Context) error { return nil }), "lifecycle/redis: Lease.Run: nil Context"},
		{l.Run(context.Background(), nil), "lifecycle/redis: Lease.Run: nil function"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("Run = %v, want %q", tt.err, tt.want)
		}
	}
}
