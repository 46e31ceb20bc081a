package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/limit"
	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Limit is a rate: Rate requests per Period, of which up to Burst may come
// at once. The time between two requests at the steady rate, Period/Rate,
// is kept in whole microseconds (rounded down: 3 a second allows
// 3.000003). [New] refuses a Limit whose Burst × Period/Rate passes 100
// years.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// PerSecond returns a Limit of rate a second with burst burst.
func PerSecond(rate, burst int) Limit { return Limit{Rate: rate, Period: time.Second, Burst: burst} }

// PerMinute returns a Limit of rate a minute with burst burst.
func PerMinute(rate, burst int) Limit { return Limit{Rate: rate, Period: time.Minute, Burst: burst} }

// interval is the time between two requests at the steady rate, in whole
// µs (at least 1).
func (l Limit) interval() int64 { return max(micros(l.Period)/int64(l.Rate), 1) }

func (l Limit) check() error {
	if l.Rate < 1 {
		return fmt.Errorf("limit/redis: Limit.Rate must be >= 1, got %d", l.Rate)
	}
	if l.Period < time.Microsecond {
		return fmt.Errorf("limit/redis: Limit.Period must be >= 1µs, got %v", l.Period)
	}
	if l.Burst < 1 {
		return fmt.Errorf("limit/redis: Limit.Burst must be >= 1, got %d", l.Burst)
	}
	if micros(l.Period)/int64(l.Rate) < 1 {
		return fmt.Errorf("limit/redis: Limit of %d per %v is above one per µs", l.Rate, l.Period)
	}
	if int64(l.Burst) > maxSpan/l.interval() {
		return fmt.Errorf("limit/redis: Limit.Burst %d at %d per %v spans more than 100 years", l.Burst, l.Rate, l.Period)
	}
	return nil
}

// maxSpan bounds a Limit's burst × interval, in µs: 100 years. The script
// adds it to the server's clock in µs (about 2^51 now) in doubles, exact
// only up to 2^53, and the product must not overflow an int64.
const maxSpan = int64(100 * 365 * 24 * time.Hour / time.Microsecond)

// Result is one decision of a [Limiter].
type Result struct {
	// Allowed says whether the request may go ahead.
	Allowed bool
	// Remaining is how many more requests of cost 1 would be allowed now
	// (the tokens left): after AllowN(ctx, key, 3) with 7 left, two more
	// requests of cost 3 would be.
	Remaining int
	// RetryAfter is, for a request not allowed, how long until it would
	// be; zero when allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the key is back to its full burst.
	ResetAfter time.Duration
	// Local says the decision was made by the local fallback, because
	// Redis could not be reached ([WithFailOpen]); Remaining and
	// ResetAfter are then zero.
	Local bool
}

// Err returns nil for an allowed request, and for one not allowed an error
// matching limit.ErrLimited whose RetryAfter method returns
// [Result.RetryAfter], ready for a retry policy or for limit.Shed's
// Retry-After header.
func (r Result) Err() error {
	if r.Allowed {
		return nil
	}
	return limit.NewLimitedError("rate", r.RetryAfter)
}

// Limiter is a GCRA rate limit kept in Redis, so that every replica of a
// service shares it: one limit per key (a tenant, a user, an IP), each
// decision one EVALSHA round trip. It is safe for concurrent use.
type Limiter struct {
	client  goredis.Scripter
	limit   Limit
	cfg     config
	local   *limit.KeyedRate[string] // nil: fail closed
	nowHook func() int64             // tests: the script's clock, in µs
	base    time.Time
	down    atomic.Int64 // until when (ns since base) Redis is left alone
	stats   struct{ decisions, local, errors atomic.Uint64 }
}

// New returns a Limiter of l over client (a *redis.Client,
// *redis.ClusterClient or *redis.Ring).
func New(client goredis.Scripter, l Limit, opts ...Option) (*Limiter, error) {
	if client == nil {
		return nil, errors.New("limit/redis: nil client")
	}
	if err := l.check(); err != nil {
		return nil, err
	}
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	lim := &Limiter{client: client, limit: l, cfg: c, base: time.Now()}
	if c.share > 0 {
		r := rate.Limit(float64(l.Rate) / l.Period.Seconds() * c.share)
		b := max(int(float64(l.Burst)*c.share), 1)
		if lim.local, err = limit.NewKeyedRate[string](r, b, c.maxKeys); err != nil {
			return nil, err
		}
	}
	return lim, nil
}

// Allow is AllowN(ctx, key, 1).
func (l *Limiter) Allow(ctx context.Context, key string) (Result, error) {
	return l.AllowN(ctx, key, 1)
}

// AllowN decides whether n requests of key may go ahead now, and takes
// them from key's allowance if so. n must be >= 1; n above the burst is
// never allowed.
//
// When Redis cannot be reached, fails, or takes longer than [WithTimeout],
// the policy decides, then and for [WithCooldown] after: with
// [WithFailOpen] the decision is made by a local rate limiter at a share
// of the limit, and the Result says Local; by default (fail closed) AllowN
// returns Result{} (not allowed) and an error wrapping Redis's. When ctx
// ends, it returns ctx's error whatever the policy.
func (l *Limiter) AllowN(ctx context.Context, key string, n int) (Result, error) {
	if ctx == nil {
		return Result{}, errors.New("limit/redis: nil Context")
	}
	if n < 1 {
		return Result{}, fmt.Errorf("limit/redis: AllowN: n must be >= 1, got %d", n)
	}
	l.stats.decisions.Add(1)
	if int64(time.Since(l.base)) < l.down.Load() {
		return l.degraded(key, n, errCooldown)
	}
	d, err := l.eval(ctx, key, n)
	if err == nil {
		return d, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return Result{}, ctxErr
	}
	l.stats.errors.Add(1)
	l.down.Store(int64(time.Since(l.base) + l.cfg.cooldown))
	return l.degraded(key, n, err)
}

// errCooldown is the error of a fail-closed decision made while Redis is
// left alone after a failure.
var errCooldown = errors.New("redis failed recently, in cooldown (WithCooldown)")

// degraded decides without Redis, which failed with err: locally if the
// limiter fails open, else not at all.
func (l *Limiter) degraded(key string, n int, err error) (Result, error) {
	if l.local == nil {
		return Result{}, fmt.Errorf("limit/redis: %w", err)
	}
	l.stats.local.Add(1)
	return l.fallback(key, n), nil
}

// eval runs the script for key: EVALSHA, and EVAL once if the server does
// not have the script (go-redis's Script.Run).
func (l *Limiter) eval(ctx context.Context, key string, n int) (Result, error) {
	now := ""
	if l.nowHook != nil {
		now = strconv.FormatInt(l.nowHook(), 10)
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.timeout)
	defer cancel()
	interval := l.limit.interval()
	v, err := gcra.Run(ctx, l.client, []string{l.cfg.prefix + key},
		interval, interval*int64(l.limit.Burst), n, now).Int64Slice()
	if err != nil {
		return Result{}, err
	}
	if len(v) != 4 {
		return Result{}, fmt.Errorf("unexpected script reply %v", v)
	}
	return Result{
		Allowed:    v[0] == 1,
		Remaining:  int(v[1]),
		RetryAfter: time.Duration(v[2]) * time.Microsecond,
		ResetAfter: time.Duration(v[3]) * time.Microsecond,
	}, nil
}

// fallback decides locally.
func (l *Limiter) fallback(key string, n int) Result {
	err := l.local.AllowN(time.Now(), key, n)
	r := Result{Allowed: err == nil, Local: true}
	var le *limit.LimitedError
	if errors.As(err, &le) {
		r.RetryAfter = le.After
	}
	return r
}

// Stats is a snapshot of a [Limiter]'s counts.
type Stats struct {
	// Decisions is the number of AllowN calls with valid arguments.
	Decisions uint64
	// Errors is the number of Redis calls that failed.
	Errors uint64
	// Local is the number of decisions made by the local fallback.
	Local uint64
}

// Stats returns a snapshot of the limiter's counts.
func (l *Limiter) Stats() Stats {
	return Stats{Decisions: l.stats.decisions.Load(), Errors: l.stats.errors.Load(), Local: l.stats.local.Load()}
}
