package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
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
}

// ProducerStats are a [Producer]'s counts since it was built.
type ProducerStats struct {
	Enqueued   uint64 // jobs added to the queue
	Duplicates uint64 // enqueues that found their unique key pending
	Full       uint64 // enqueues refused with ErrFull
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
	return ProducerStats{Enqueued: p.enqueued.Load(), Duplicates: p.duplicates.Load(), Full: p.full.Load()}
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
		if err != ErrFull || !p.cfg.waitFull {
			return id, err
		}
		if err := sleep(ctx, fullBackoff(wait)); err != nil {
			return "", err
		}
	}
}

// EnqueueBatch adds every job of vs in one pipelined round trip and returns
// their IDs, in order. The options apply to every job; [WithUniqueKey] is
// refused. Each job is added on its own: on [ErrFull] or another error,
// the jobs with a non-empty ID in the result were added and the others
// were not. It does not wait when the stream is full.
func (p *Producer[T]) EnqueueBatch(ctx context.Context, vs []T, opts ...EnqueueOption) ([]string, error) {
	if ctx == nil {
		return nil, errors.New("queue/redis: nil Context")
	}
	ec, err := enqueueOptions(opts)
	if err != nil {
		return nil, err
	}
	if ec.unique != "" {
		return nil, errors.New("queue/redis: EnqueueBatch: WithUniqueKey is for one job; use Enqueue")
	}
	args := make([][]any, len(vs))
	now := time.Now()
	for i, v := range vs {
		payload, err := p.cfg.codec.Marshal(v)
		if err != nil {
			return nil, &EncodeError{Err: fmt.Errorf("job %d: %w", i, err)}
		}
		args[i] = p.args(newJobID(now), payload, ec)
	}
	results := make([]enqueued, len(vs))
	err = p.pipeline(ctx, args, results, func(int) bool { return true })
	if err == nil && anyNoScript(results) {
		// A pipeline cannot fall back from EVALSHA to EVAL: load the script
		// and send again the calls that Redis refused, which did nothing.
		if err = enqueueScript.Load(ctx, p.client).Err(); err == nil {
			err = p.pipeline(ctx, args, results, func(i int) bool { return isNoScript(results[i].cmd.Err()) })
		}
	}
	ids := make([]string, len(vs))
	var first error
	for i, r := range results {
		id, rerr := r.result()
		if rerr == nil {
			ids[i] = id
		} else if first == nil {
			first = rerr
		}
	}
	if first == nil && err != nil {
		first = fmt.Errorf("queue/redis: enqueue: %w", err)
	}
	return ids, first
}

// pipeline sends, in one pipeline, the enqueues whose index passes send,
// and stores their calls in results. It returns only a transport error.
func (p *Producer[T]) pipeline(ctx context.Context, args [][]any, results []enqueued, send func(int) bool) error {
	k := []string{p.keys.stream, p.keys.delay, p.keys.jobs, p.keys.uniq}
	_, err := p.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := range args {
			if send(i) {
				results[i] = enqueued{cmd: enqueueScript.EvalSha(ctx, pipe, k, args[i]...), p: p}
			}
		}
		return nil
	})
	var rerr redis.Error
	if errors.As(err, &rerr) { // a reply, not a transport error: in the results
		return nil
	}
	return err
}

func anyNoScript(results []enqueued) bool {
	for _, r := range results {
		if isNoScript(r.cmd.Err()) {
			return true
		}
	}
	return false
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

// enqueued is one enqueue script call and the producer that counts it.
type enqueued struct {
	cmd *redis.Cmd
	p   interface{ count(int64) }
}

func (p *Producer[T]) count(code int64) {
	switch code {
	case 1:
		p.enqueued.Add(1)
	case 0:
		p.duplicates.Add(1)
	default:
		p.full.Add(1)
	}
}

// result returns the job ID of one enqueue, or its error.
func (e enqueued) result() (string, error) {
	vals, err := e.cmd.Slice()
	if err != nil {
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
