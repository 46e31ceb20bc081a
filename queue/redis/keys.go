package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// keys are the Redis keys of one queue. The stream name is a hash tag, so
// that on a Cluster every key of the queue is in one slot and the Lua
// scripts may touch them all.
type keys struct {
	stream string // the stream of jobs ready to run
	delay  string // sorted set: job ID by the time it is due (ms)
	jobs   string // hash: job ID to its packed entry, while it waits in delay
	uniq   string // hash: unique key to job ID, while that job is pending
	dead   string // the stream of dead letters
}

func newKeys(prefix, name string) keys {
	base := prefix + "{" + name + "}"
	return keys{
		stream: base,
		delay:  base + ":delay",
		jobs:   base + ":jobs",
		uniq:   base + ":uniq",
		dead:   base + ":dead",
	}
}

// checkName validates a stream or group name.
func checkName(fn, what, name string) error {
	if name == "" {
		return fmt.Errorf("queue/redis: %s: %s name must not be empty", fn, what)
	}
	if strings.ContainsAny(name, "{}") {
		return fmt.Errorf("queue/redis: %s: %s name must not contain '{' or '}', got %q", fn, what, name)
	}
	return nil
}

// checkClient refuses a nil client and one that ignores ctx deadlines.
func checkClient(fn string, client redis.UniversalClient) error {
	if client == nil {
		return fmt.Errorf("queue/redis: %s: client must not be nil", fn)
	}
	ok := true
	switch c := client.(type) {
	case *redis.Client:
		ok = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		ok = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		ok = c.Options().ContextTimeoutEnabled
	}
	if !ok {
		return fmt.Errorf("queue/redis: %s: the client must have ContextTimeoutEnabled: true, "+
			"or it ignores the deadlines of the queue's calls", fn)
	}
	return nil
}

// checkEviction refuses a Redis that may evict keys, or warns about it.
func checkEviction(ctx context.Context, fn string, client redis.UniversalClient, warn bool) error {
	var err error
	policy := ""
	m, cerr := client.ConfigGet(ctx, "maxmemory-policy").Result()
	switch {
	case cerr != nil:
		if errors.Is(cerr, context.Canceled) || errors.Is(cerr, context.DeadlineExceeded) {
			return fmt.Errorf("queue/redis: %s: CONFIG GET maxmemory-policy: %w", fn, cerr)
		}
		err = fmt.Errorf("queue/redis: %s: cannot read maxmemory-policy (%v); "+
			"WithEvictionWarning accepts a Redis whose policy is unknown: %w", fn, cerr, ErrEvicting)
	default:
		policy = m["maxmemory-policy"]
		if policy != "noeviction" {
			err = fmt.Errorf("queue/redis: %s: maxmemory-policy is %q: %w", fn, policy, ErrEvicting)
		}
	}
	if err == nil {
		return nil
	}
	if !warn {
		return err
	}
	slog.Warn("queue/redis: Redis may evict keys and lose jobs; set maxmemory-policy noeviction",
		"policy", policy, "error", err)
	return nil
}
