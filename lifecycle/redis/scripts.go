package redis

import "github.com/redis/go-redis/v9"

// The scripts work on two keys in one hash slot: KEYS[1], the lease, whose
// value is the holder's random token, and KEYS[2], the fence counter,
// which has no expiry.

// acquireScript takes the lease for the token ARGV[1] for ARGV[2]
// milliseconds if no one holds it, and returns the new fencing token, or 0
// if the lease is held. The fence is the largest of: the counter plus one;
// the server's clock in microseconds (so that a counter lost with a
// restart of Redis starts again above every fence handed out before); and
// ARGV[3] plus one, the highest fence the caller has seen. The clock
// cannot fall behind the counter: it would take more than a million
// acquisitions a second. Lua numbers are doubles, exact up to 2^53, which
// microseconds reach in the year 2255.
var acquireScript = redis.NewScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local fence = math.max(last + 1, now, tonumber(ARGV[3]) + 1)
redis.call('SET', KEYS[2], string.format('%.0f', fence))
return fence
`)

// renewScript extends the lease to ARGV[2] milliseconds if the token
// ARGV[1] still holds it and the fence counter still stands at the
// holder's fence ARGV[3]; it returns 1 if so, 0 if the lease is lost.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[3] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	return 1
end
return 0
`)

// releaseScript deletes the lease if the token ARGV[1] still holds it,
// and returns 1 if it did; it never deletes another holder's lease.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)
