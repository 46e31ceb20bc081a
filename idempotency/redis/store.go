package redis

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/redis/go-redis/v9"
)

// Store is an [idempotency.Store] on Redis, through a go-redis v9 client:
// a single node, a Sentinel-managed failover client, a Cluster or a Ring.
// It is safe for concurrent use. It does not own the client: closing the
// client is the caller's job.
type Store struct {
	client redis.UniversalClient
	cfg    config
}

var _ idempotency.Store = (*Store)(nil)

// New returns a Store on client, which must not be nil (nor a nil pointer
// of a client type). The client must be built with
// ContextTimeoutEnabled: true, or go-redis would ignore the deadlines that
// bound lease renewals and wait for its own socket timeouts instead; New
// returns an error otherwise.
//
// go-redis retries a command whose connection broke before the reply came
// (MaxRetries, 3 by default), even if Redis had run it. No retry makes fn
// run twice, but two cost time or an error: a retried Acquire may find the
// caller's own hold, so that the call waits out its lease (or gets
// [idempotency.ErrInProgress]); a retried Complete reports
// [idempotency.ErrLeaseLost] for a result that was recorded. A client with
// MaxRetries: -1 reports the broken connection instead.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, errors.New("idempotency/redis: New: client must not be nil")
	}
	if v := reflect.ValueOf(client); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("idempotency/redis: New: client must not be nil, got a nil %T", client)
	}
	s := &Store{client: client, cfg: config{prefix: DefaultPrefix}}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("idempotency/redis: New: nil Option")
		}
		if err := o.apply(&s.cfg); err != nil {
			return nil, err
		}
	}
	ctxTimeouts := true
	switch c := client.(type) {
	case *redis.Client:
		ctxTimeouts = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		ctxTimeouts = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		ctxTimeouts = c.Options().ContextTimeoutEnabled
	}
	if !ctxTimeouts {
		return nil, errors.New("idempotency/redis: New: the client must have ContextTimeoutEnabled: true, " +
			"or it ignores the deadlines of lease renewals")
	}
	return s, nil
}

// Key returns the Redis key of the record of key: the prefix, then key
// in braces, its Cluster hash tag.
func (s *Store) Key(key string) string {
	return s.cfg.prefix + "{" + key + "}"
}

// Acquire returns the key's record, or records a hold for the caller: one
// script, one round trip.
func (s *Store) Acquire(ctx context.Context, key, fingerprint string, lease time.Duration) (idempotency.Acquisition, error) {
	if ctx == nil {
		return idempotency.Acquisition{}, nilContext("acquire")
	}
	if lease < idempotency.MinDuration {
		return idempotency.Acquisition{}, fmt.Errorf("idempotency/redis: Acquire: lease must be >= %v, got %v", idempotency.MinDuration, lease)
	}
	res, err := acquireScript.Run(ctx, s.client, []string{s.Key(key)}, fingerprint, millis(lease)).Slice()
	if err != nil {
		return idempotency.Acquisition{}, fmt.Errorf("idempotency/redis: acquire: %w", err)
	}
	return parseAcquire(res)
}

// parseAcquire decodes the reply of acquireScript.
func parseAcquire(res []any) (idempotency.Acquisition, error) {
	bad := func() (idempotency.Acquisition, error) {
		return idempotency.Acquisition{}, fmt.Errorf("idempotency/redis: acquire: unexpected reply %v", res)
	}
	if len(res) < 2 {
		return bad()
	}
	kind, _ := res[0].(int64)
	switch {
	case kind == 0 && len(res) == 2:
		s, _ := res[1].(string)
		token, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return bad()
		}
		return idempotency.Acquisition{State: idempotency.Acquired, Token: token}, nil
	case kind == 1 && len(res) == 3:
		fp, ok1 := res[1].(string)
		v, ok2 := res[2].(string)
		if !ok1 || !ok2 {
			return bad()
		}
		return idempotency.Acquisition{State: idempotency.Completed, Fingerprint: fp, Value: []byte(v)}, nil
	case kind == 2 && len(res) == 3:
		fp, ok1 := res[1].(string)
		ms, ok2 := res[2].(int64)
		if !ok1 || !ok2 {
			return bad()
		}
		return idempotency.Acquisition{State: idempotency.InProgress, Fingerprint: fp, Remaining: time.Duration(max(ms, 1)) * time.Millisecond}, nil
	}
	return bad()
}

// Renew extends the hold with token to lease from now.
func (s *Store) Renew(ctx context.Context, key string, token uint64, lease time.Duration) error {
	if lease < idempotency.MinDuration {
		return fmt.Errorf("idempotency/redis: Renew: lease must be >= %v, got %v", idempotency.MinDuration, lease)
	}
	return s.owned(ctx, "renew", renewScript, key, token, millis(lease))
}

// Complete replaces the hold with token by value, kept for ttl.
func (s *Store) Complete(ctx context.Context, key string, token uint64, value []byte, ttl time.Duration) error {
	if ttl < idempotency.MinDuration {
		return fmt.Errorf("idempotency/redis: Complete: ttl must be >= %v, got %v", idempotency.MinDuration, ttl)
	}
	return s.owned(ctx, "complete", completeScript, key, token, value, millis(ttl))
}

// Release frees the key held with token.
func (s *Store) Release(ctx context.Context, key string, token uint64) error {
	return s.owned(ctx, "release", releaseScript, key, token)
}

// millis returns d in whole milliseconds, rounded up: Redis then keeps a
// hold at least as long as the Group counts its lease (from before it
// asked), never a fraction of a millisecond less.
func millis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// owned runs one of the holder's scripts, mapping its 0 to ErrLeaseLost.
func (s *Store) owned(ctx context.Context, op string, script *redis.Script, key string, token uint64, args ...any) error {
	if ctx == nil {
		return nilContext(op)
	}
	args = append([]any{strconv.FormatUint(token, 10)}, args...)
	n, err := script.Run(ctx, s.client, []string{s.Key(key)}, args...).Int()
	switch {
	case err != nil:
		return fmt.Errorf("idempotency/redis: %s: %w", op, err)
	case n == 0:
		return idempotency.ErrLeaseLost
	}
	return nil
}

// nilContext returns the error of call for a nil ctx (see CONTRIBUTING.md:
// an error, never a panic).
func nilContext(call string) error {
	return fmt.Errorf("idempotency/redis: %s: nil Context", call)
}
