package redis

import (
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// gcraScript is GCRA (the generic cell rate algorithm) as one Lua script,
// so that a decision is one EVALSHA: one round trip, atomic on the server.
//
// KEYS[1] holds the key's theoretical arrival time (TAT) in microseconds
// of the server's clock. ARGV: the emission interval (µs between two
// requests at the steady rate), the burst tolerance (burst × interval),
// the cost n, and a time in µs to use instead of the server's clock (empty
// outside tests). Every value is a whole number of µs, so the arithmetic
// is exact in Lua's doubles. It returns {allowed (0 or 1), remaining,
// retry after (µs), reset after (µs)}. The key expires when its TAT has
// passed, when it holds nothing a fresh key would not.
const gcraScript = `
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then
  tat = now
end
local new = tat + n * interval
local allowAt = new - tolerance
if allowAt > now then
  local remaining = math.floor((now + tolerance - tat) / interval)
  if remaining < 0 then remaining = 0 end
  return {0, remaining, allowAt - now, tat - now}
end
redis.call('SET', KEYS[1], string.format('%d', new), 'PX', math.max(1, math.ceil((new - now) / 1000)))
return {1, math.floor((now - allowAt) / interval), 0, new - now}
`

var gcra = goredis.NewScript(gcraScript)

func micros(d time.Duration) int64 { return int64(d / time.Microsecond) }
