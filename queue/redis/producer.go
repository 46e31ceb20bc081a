package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Producer adds jobs of type T to a queue. It is safe for concurrent use
// and holds no goroutine: it needs no closing. It does not own the client.
type Producer[T any] struct {
	client redis.UniversalClient
	keys   keys
	cfg    producerConfig

	enqueued   atomic.Uint64
	duplicates atomic.Uint64
	full       atomic.Uint64
	errs       atomic.Uint64
}

// ProducerStats are a [Producer]'s counts since it was built.
type ProducerStats struct {
	Enqueued   uint64 // jobs added to the queue
	Duplicates uint64 // enqueues that found their unique key pending
	// Full counts the tries refused because the stream was full: an
	// Enqueue that returned ErrFull, each try of one that waits
	// ([WithWaitWhenFull]), and in a batch the jobs not added.
	Full uint64
	// Errors counts the enqueue calls to Redis that failed (a batch's
	// chunk counts once): the jobs may or may not have been added.
	Errors uint64
}

// NewProducer returns a producer for the queue named stream. It checks
// that Redis does not evict keys ([ErrEvicting], [WithEvictionWarning]),
// which is why it takes a ctx.
func NewProducer[T any](ctx context.Context, client redis.UniversalClient, stream string, opts ...ProducerOption) (*Producer[T], error) {
	if ctx == nil {
		return nil, errors.New("queue/redis: nil Context")
	}
	if err := checkClient("NewProducer", client); err != nil {
		return nil, err
	}
	if err := checkName("NewProducer", "stream", stream); err != nil {
		return nil, err
	}
	cfg := producerConfig{common: defaultCommon(), maxLen: DefaultMaxLen}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("queue/redis: NewProducer: nil Option")
		}
		if err := o.applyProducer(&cfg); err != nil {
			return nil, err
		}
	}
	if err := checkEviction(ctx, "NewProducer", client, cfg.warnEvict); err != nil {
		return nil, err
	}
	return &Producer[T]{client: client, keys: newKeys(cfg.prefix, stream), cfg: cfg}, nil
}

// Stats returns the producer's counts.
func (p *Producer[T]) Stats() ProducerStats {
	return ProducerStats{Enqueued: p.enqueued.Load(), Duplicates: p.duplicates.Load(), Full: p.full.Load(), Errors: p.errs.Load()}
}

// Enqueue adds v to the queue and returns its job ID, the job's identity
// until it is handled or dead-lettered. When Enqueue returns nil the job is
// in Redis (see the package doc for what a failover can lose).
//
// With [WithUniqueKey], while a job with that key is pending, Enqueue adds
// nothing and returns that job's ID. When the stream is full it returns
// [ErrFull], or waits with [WithWaitWhenFull]. A Redis error is returned
// as it is; the job may or may not have been added, as with any write
// whose reply was lost (a unique key makes the retry safe).
func (p *Producer[T]) Enqueue(ctx context.Context, v T, opts ...EnqueueOption) (string, error) {
	if ctx == nil {
		return "", errors.New("queue/redis: nil Context")
	}
	ec, err := enqueueOptions(opts)
	if err != nil {
		return "", err
	}
	payload, err := p.cfg.codec.Marshal(v)
	if err != nil {
		return "", &EncodeError{Err: err}
	}
	args := p.args(newJobID(time.Now()), payload, ec)
	for wait := 0; ; wait++ {
		id, err := p.run(ctx, p.client, args).result()
		if err != nil && err != ErrFull && ctx.Err() != nil {
			// go-redis reports a deadline met mid-call as an i/o timeout.
			return "", fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		if err != ErrFull || !p.cfg.waitFull {
			return id, err
		}
		if err := sleep(ctx, fullBackoff(wait)); err != nil {
			return "", err
		}
	}
}

// enqueued is one enqueue script call and the producer that counts it.
type enqueued struct {
	cmd *redis.Cmd
	p   interface{ count(int64) }
}

// failed is the code count takes for a call that failed.
const failed = -2

func (p *Producer[T]) count(code int64) {
	switch code {
	case 1:
		p.enqueued.Add(1)
	case 0:
		p.duplicates.Add(1)
	case failed:
		p.errs.Add(1)
	default:
		p.full.Add(1)
	}
}

// result returns the job ID of one enqueue, or its error.
func (e enqueued) result() (string, error) {
	vals, err := e.cmd.Slice()
	if err != nil {
		e.p.count(failed)
		return "", fmt.Errorf("queue/redis: enqueue: %w", err)
	}
	code, _ := vals[0].(int64)
	id, _ := vals[1].(string)
	e.p.count(code)
	if code < 0 {
		return "", ErrFull
	}
	return id, nil
}

// run sends one enqueue script call on c (the client or a pipeline).
func (p *Producer[T]) run(ctx context.Context, c redis.Scripter, args []any) enqueued {
	k := p.keys
	return enqueued{cmd: enqueueScript.Run(ctx, c, []string{k.stream, k.delay, k.jobs, k.uniq}, args...), p: p}
}

func (p *Producer[T]) args(id string, payload []byte, ec enqueueConfig) []any {
	// Both round up to the next millisecond: a job never runs early.
	var at int64
	if !ec.at.IsZero() {
		at = max((ec.at.UnixNano()+int64(time.Millisecond)-1)/int64(time.Millisecond), 1)
	}
	delay := (ec.delay + time.Millisecond - 1) / time.Millisecond
	return []any{id, payload, ec.unique, int64(delay), at, strconv.FormatInt(p.cfg.maxLen, 10)}
}

func enqueueOptions(opts []EnqueueOption) (enqueueConfig, error) {
	var ec enqueueConfig
	for _, o := range opts {
		if o == nil {
			return ec, errors.New("queue/redis: nil EnqueueOption")
		}
		if err := o.applyEnqueue(&ec); err != nil {
			return ec, err
		}
	}
	return ec, nil
}

// fullBackoff is how long Enqueue waits before its try number n+1 when
// the stream is full: 10ms doubling to 1s, with full jitter.
func fullBackoff(n int) time.Duration {
	d := 10 * time.Millisecond << min(n, 7)
	return time.Duration(rand.Int64N(int64(min(d, time.Second)))) + time.Millisecond
}

// sleep waits d or until ctx is done, and returns ctx's error then.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
