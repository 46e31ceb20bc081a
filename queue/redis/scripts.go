package redis

import "github.com/redis/go-redis/v9"

// The queue's multi-step operations are Lua scripts, so that each is
// atomic: no consumer or producer sees half of one.
//
// A stream entry's fields are: id (the job ID, for the job's whole life),
// p (the payload), n (deliveries of the job before this entry), and
// optionally u (its unique key), e (the last error) and g (the only group
// that should run this entry: a retry is re-added for the group whose
// delivery failed, and other groups skip it).
//
// A job waiting for its time is a member of the delay set, scored by when
// it is due (ms, Redis's clock), with its fields packed by cmsgpack in the
// jobs hash.

// luaNow is Redis's clock in milliseconds.
const luaNow = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`

// luaTrim trims stream below the oldest entry that any consumer group still
// needs: the oldest pending entry of a group that has some, else the last
// entry the group read (kept: it may be the only one). Entries after a
// group's last-delivered-id are not yet read by it and are never trimmed;
// with no groups at all nothing is trimmed.
const luaTrim = `
local function idless(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, bm = tonumber(am), tonumber(bm)
  if am ~= bm then return am < bm end
  return tonumber(as) < tonumber(bs)
end
local function trim(stream)
  if redis.call('EXISTS', stream) == 0 then return end
  local groups = redis.call('XINFO', 'GROUPS', stream)
  if #groups == 0 then return end
  local minid
  for _, g in ipairs(groups) do
    local name, pending, last
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i+1]
      elseif g[i] == 'pending' then pending = g[i+1]
      elseif g[i] == 'last-delivered-id' then last = g[i+1] end
    end
    local keep = last
    if pending > 0 then keep = redis.call('XPENDING', stream, name)[2] end
    if minid == nil or idless(keep, minid) then minid = keep end
  end
  redis.call('XTRIM', stream, 'MINID', minid)
end
`

// enqueueScript adds one job.
// KEYS: stream, delay, jobs, uniq. ARGV: id, payload, unique key or "",
// delay ms, run-at ms (0: none), max length.
// Returns {1, id} (added), {0, existing id} (unique key pending),
// {-1, ""} (full).
var enqueueScript = redis.NewScript(luaNow + luaTrim + `
local id, uk = ARGV[1], ARGV[3]
if uk ~= '' then
  local old = redis.call('HGET', KEYS[4], uk)
  if old then return {0, old} end
end
local max = tonumber(ARGV[6])
local function size() return redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2]) end
if size() >= max then
  trim(KEYS[1])
  if size() >= max then return {-1, ''} end
end
local f = {'id', id, 'p', ARGV[2], 'n', '0'}
if uk ~= '' then
  f[#f+1] = 'u'; f[#f+1] = uk
  redis.call('HSET', KEYS[4], uk, id)
end
local delay, at = tonumber(ARGV[4]), tonumber(ARGV[5])
if delay > 0 or at > 0 then
  local t = now()
  -- now() is the millisecond started, so t + 1 + delay is after delay.
  local due = at
  if delay > 0 then due = math.max(t + 1 + delay, at) end
  if due > t then
    redis.call('ZADD', KEYS[2], due, id)
    redis.call('HSET', KEYS[3], id, cmsgpack.pack(f))
    return {1, id}
  end
end
redis.call('XADD', KEYS[1], '*', unpack(f))
return {1, id}
`)

// enqueueBatchScript adds as many of a batch of jobs as the bound allows.
// KEYS: stream, delay, jobs. ARGV: max length, delay ms, run-at ms, then
// pairs of job ID and payload. Returns how many jobs it added (the first
// ones).
var enqueueBatchScript = redis.NewScript(luaNow + luaTrim + `
local max = tonumber(ARGV[1])
local k = (#ARGV - 3) / 2
local function size() return redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2]) end
local room = max - size()
if room < k then
  trim(KEYS[1])
  room = max - size()
end
local n = math.max(0, math.min(k, room))
local delay, at = tonumber(ARGV[2]), tonumber(ARGV[3])
local due = 0
if delay > 0 or at > 0 then
  local t = now()
  due = at
  if delay > 0 then due = math.max(t + 1 + delay, at) end
  if due <= t then due = 0 end
end
for i = 1, n do
  local id = ARGV[2 + 2 * i]
  local f = {'id', id, 'p', ARGV[3 + 2 * i], 'n', '0'}
  if due > 0 then
    redis.call('ZADD', KEYS[2], due, id)
    redis.call('HSET', KEYS[3], id, cmsgpack.pack(f))
  else
    redis.call('XADD', KEYS[1], '*', unpack(f))
  end
end
return n
`)

// trimScript trims the stream (see luaTrim). KEYS: stream.
var trimScript = redis.NewScript(luaTrim + `
trim(KEYS[1])
return redis.call('XLEN', KEYS[1])
`)

// promoteScript moves due jobs from the delay set to the stream.
// KEYS: stream, delay, jobs. ARGV: at most how many.
// Returns {moved, ms until the next job is due or -1}.
var promoteScript = redis.NewScript(luaNow + `
local t = now()
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', t, 'LIMIT', 0, ARGV[1])
for _, id in ipairs(ids) do
  local packed = redis.call('HGET', KEYS[3], id)
  if packed then
    redis.call('XADD', KEYS[1], '*', unpack(cmsgpack.unpack(packed)))
    redis.call('HDEL', KEYS[3], id)
  end
  redis.call('ZREM', KEYS[2], id)
end
local nxt = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #nxt == 0 then return {#ids, -1} end
return {#ids, math.max(0, tonumber(nxt[2]) - t)}
`)

// luaOwned reports whether consumer holds entry id in group's pending list.
const luaOwned = `
local function owned(stream, group, consumer, id)
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  return #p > 0 and p[1][2] == consumer
end
`

// luaFields returns an entry's fields as a table, or nil if it is gone.
const luaFields = `
local function fields(stream, id)
  local e = redis.call('XRANGE', stream, id, id)
  if #e == 0 then return nil end
  local f, flat = {}, e[1][2]
  for i = 1, #flat, 2 do f[flat[i]] = flat[i+1] end
  return f
end
local function flatten(f, n, err, group)
  local out = {'id', f.id, 'p', f.p, 'n', n}
  if f.u then out[#out+1] = 'u'; out[#out+1] = f.u end
  if err then out[#out+1] = 'e'; out[#out+1] = err end
  if group then out[#out+1] = 'g'; out[#out+1] = group end
  return out
end
`

// ackScript acknowledges handled entries and releases their unique keys.
// KEYS: stream, uniq. ARGV: group, k, k entry IDs, then pairs of unique
// key and job ID. Returns how many entries were acknowledged.
var ackScript = redis.NewScript(`
local k = tonumber(ARGV[2])
local n = redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 3, 2 + k))
for i = 3 + k, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i+1] then
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
return n
`)

// retryScript schedules a failed entry to run again, if this consumer
// still owns it: it acknowledges the entry and puts the job in the delay
// set with its delivery count and error.
// KEYS: stream, delay, jobs. ARGV: group, consumer, entry ID, deliveries
// so far, error, delay ms.
// Returns 1 (scheduled), 0 (not owned: nothing done), -1 (entry gone).
var retryScript = redis.NewScript(luaNow + luaOwned + luaFields + `
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 0 end
local f = fields(KEYS[1], ARGV[3])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
if not f then return -1 end
redis.call('ZADD', KEYS[2], now() + tonumber(ARGV[6]), f.id)
redis.call('HSET', KEYS[3], f.id, cmsgpack.pack(flatten(f, ARGV[4], ARGV[5], ARGV[1])))
return 1
`)

// deadScript moves an entry this consumer owns to the dead letters.
// KEYS: stream, dead, uniq. ARGV: group, consumer, entry ID, deliveries,
// error. Returns 1 (moved), 0 (not owned), -1 (entry gone).
var deadScript = redis.NewScript(luaOwned + luaFields + `
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 0 end
local f = fields(KEYS[1], ARGV[3])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
if not f then return -1 end
redis.call('XADD', KEYS[2], '*', unpack(flatten(f, ARGV[4], ARGV[5], ARGV[1])))
if f.u and redis.call('HGET', KEYS[3], f.u) == f.id then
  redis.call('HDEL', KEYS[3], f.u)
end
return 1
`)

// heartbeatScript renews the leases of the given entries that this
// consumer still owns, by resetting their idle time (XCLAIM JUSTID does not
// count a delivery). An entry that another consumer has reclaimed is left
// alone: a plain XCLAIM would take it back.
// KEYS: stream. ARGV: group, consumer, entry IDs. Returns the IDs renewed.
var heartbeatScript = redis.NewScript(luaOwned + `
local kept = {}
for i = 3, #ARGV do
  if owned(KEYS[1], ARGV[1], ARGV[2], ARGV[i]) then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept[#kept+1] = ARGV[i]
  end
end
return kept
`)

// reclaimScript claims entries idle for longer than the visibility timeout
// and returns each with its delivery count.
// KEYS: stream. ARGV: group, consumer, min idle ms, cursor, count.
// Returns {next cursor, {{entry ID, fields, deliveries}, ...}}.
var reclaimScript = redis.NewScript(`
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out = {}
for _, e in ipairs(r[2]) do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
  local n = 1
  if #p > 0 then n = p[1][4] end
  out[#out+1] = {e[1], e[2], n}
end
return {r[1], out}
`)

// cleanupScript removes consumers of the group that hold no pending entry
// and have been idle for at least min idle ms; XGROUP DELCONSUMER would put
// a consumer's pending entries out of reach, so one that holds any is
// kept. KEYS: stream. ARGV: group, min idle ms, a consumer to remove
// whatever its idle time (or ""). Returns how many were removed.
var cleanupScript = redis.NewScript(`
local removed = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local name, pending, idle
  for i = 1, #c, 2 do
    if c[i] == 'name' then name = c[i+1]
    elseif c[i] == 'pending' then pending = c[i+1]
    elseif c[i] == 'idle' then idle = c[i+1] end
  end
  if pending == 0 and (idle >= tonumber(ARGV[2]) or name == ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
    removed = removed + 1
  end
end
return removed
`)

// requeueScript moves dead letters back to the stream with no deliveries
// counted. KEYS: dead, stream, uniq. ARGV: dead-letter entry IDs.
// Returns how many were moved.
var requeueScript = redis.NewScript(luaFields + `
local moved = 0
for i = 1, #ARGV do
  local f = fields(KEYS[1], ARGV[i])
  if f then
    redis.call('XADD', KEYS[2], '*', unpack(flatten(f, '0', nil, f.g)))
    if f.u then redis.call('HSETNX', KEYS[3], f.u, f.id) end
    redis.call('XDEL', KEYS[1], ARGV[i])
    moved = moved + 1
  end
end
return moved
`)
