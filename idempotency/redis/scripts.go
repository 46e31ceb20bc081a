package redis

import "github.com/redis/go-redis/v9"

// A record is a hash with the fields
//
//	s  state: "p" held (in progress), "d" done (completed), "r" released
//	f  the fingerprint it was made with
//	t  the token of its hold, in decimal
//	v  the recorded value (when done)
//
// and an expiry: the end of the lease while held or released, the ttl
// when done. A released record is kept until its lease would have ended,
// so that the next token is greater than its token even within the same
// microsecond; Acquire treats it as absent.

// acquireScript: KEYS[1] the record; ARGV[1] fingerprint, ARGV[2] lease
// in ms. Returns {0, token} acquired, {1, fingerprint, value} completed,
// {2, fingerprint, ms left} held by another.
var acquireScript = redis.NewScript(`
local r = redis.call('HMGET', KEYS[1], 's', 'f', 'v', 't')
if r[1] == 'd' then
	return {1, r[2], r[3]}
end
if r[1] == 'p' then
	return {2, r[2], redis.call('PTTL', KEYS[1])}
end
local now = redis.call('TIME')
local token = tonumber(now[1]) * 1000000 + tonumber(now[2])
local last = tonumber(r[4])
if last and token <= last then
	token = last + 1
end
token = string.format('%.0f', token)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 's', 'p', 'f', ARGV[1], 't', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {0, token}
`)

// ownerCheck is the start of the scripts that act only for the holder:
// KEYS[1] the record, ARGV[1] the token.
const ownerCheck = `
local r = redis.call('HMGET', KEYS[1], 's', 't')
if r[1] ~= 'p' or r[2] ~= ARGV[1] then
	return 0
end
`

// renewScript: ARGV[2] lease in ms. Returns 1, or 0 if not the holder.
var renewScript = redis.NewScript(ownerCheck + `
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

// completeScript: ARGV[2] value, ARGV[3] ttl in ms.
var completeScript = redis.NewScript(ownerCheck + `
redis.call('HSET', KEYS[1], 's', 'd', 'v', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

// releaseScript keeps the record's token and expiry (see above).
var releaseScript = redis.NewScript(ownerCheck + `
redis.call('HSET', KEYS[1], 's', 'r')
return 1
`)
