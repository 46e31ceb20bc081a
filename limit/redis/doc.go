// Package redis is a rate limit shared by every replica of a service:
// GCRA (the generic cell rate algorithm, a token bucket kept as one
// timestamp per key) in Redis, one Lua script call (EVALSHA) per decision,
// atomic on the server and timed by the server's clock, so replicas with
// skewed clocks agree.
//
// A [Limiter] allows [Limit].Rate requests per Period per key, of which up
// to Burst at once; each decision ([Limiter.AllowN]) returns whether the
// request may go, how many more would, and when to retry ([Result]).
// [Result.Err] turns a rejection into an error matching limit.ErrLimited
// with a RetryAfter hint.
//
// # Keys and Redis Cluster
//
// A key is one tenant, user or IP: each has its own limit, stored in one
// Redis key, [WithPrefix] + key, which expires once it holds nothing a
// fresh key would not (so idle keys cost no memory). Each script call
// declares its one key, so it runs on Redis Cluster as is.
//
// # When Redis is unreachable
//
// A Redis call that fails or takes longer than [WithTimeout] is decided by
// the policy, and so are the calls of the next [WithCooldown], without
// touching Redis (an outage then costs one timeout a cooldown, not one a
// request):
//
//   - fail closed (the default): [Limiter.AllowN] returns an error and
//     nothing is allowed. For limits that protect something that must not
//     be overrun (a paid API quota).
//   - fail open ([WithFailOpen]): each replica decides alone, with a
//     limit.KeyedRate at a share of the limit, 1/N for N replicas. For
//     limits that protect the service itself, where an outage of Redis
//     should not become an outage of the service.
//
// Only the caller's ctx ending makes AllowN return ctx's error, whatever
// the policy.
//
// # Cost
//
// One round trip to Redis per decision (the first call on a server loads
// the script: two), a few allocations of go-redis's command. For limits
// that need no sharing, limit.KeyedRate decides in process in tens of
// nanoseconds.
package redis
