package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// getOrAdd returns the value of KEYS[1] or, if it is missing, sets it to
// ARGV[1] for ARGV[2] milliseconds (0: no expiry) and returns nil.
var getOrAdd = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return v end
if ARGV[2] == '0' then
	redis.call('SET', KEYS[1], ARGV[1])
else
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return false
`)

// compareAndSet sets KEYS[1] to ARGV[2] for ARGV[3] milliseconds (0: no
// expiry) if it holds ARGV[1], and returns 1 if it did, else 0.
var compareAndSet = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '0' then
	redis.call('SET', KEYS[1], ARGV[2])
else
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`)

// GetOrAdd returns the value stored under key or, if there is none, stores
// val for ttl (0: no expiry) and reports added, in one Lua script run
// (EVALSHA), atomic on the key's node.
func (s *Store) GetOrAdd(ctx context.Context, key string, val []byte, ttl time.Duration) ([]byte, bool, error) {
	if ctx == nil {
		return nil, false, nilContext("GetOrAdd")
	}
	if ttl < 0 {
		return nil, false, fmt.Errorf("cache/redis: GetOrAdd: ttl must be >= 0, got %v", ttl)
	}
	b, err := getOrAdd.Run(ctx, s.client, []string{s.cfg.prefix + key}, val, millis(ttl)).Text()
	if errors.Is(err, redis.Nil) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache/redis: GetOrAdd: %w", err)
	}
	return []byte(b), false, nil
}

// CompareAndSet stores val under key for ttl (0: no expiry) if key holds
// old, and reports whether it did, in one Lua script run (EVALSHA), atomic
// on the key's node.
func (s *Store) CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	if ctx == nil {
		return false, nilContext("CompareAndSet")
	}
	if ttl < 0 {
		return false, fmt.Errorf("cache/redis: CompareAndSet: ttl must be >= 0, got %v", ttl)
	}
	n, err := compareAndSet.Run(ctx, s.client, []string{s.cfg.prefix + key}, old, val, millis(ttl)).Int()
	if err != nil {
		return false, fmt.Errorf("cache/redis: CompareAndSet: %w", err)
	}
	return n == 1, nil
}

// millis returns ttl in whole milliseconds for PX, at least 1 for a
// positive ttl, as go-redis does for SET.
func millis(ttl time.Duration) string {
	if ttl <= 0 {
		return "0"
	}
	return strconv.FormatInt(max(int64(ttl/time.Millisecond), 1), 10)
}
