package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DeadLetter is a job that failed [WithMaxDeliveries] times, or could not
// be decoded, as kept in the queue's dead-letter stream. The stream is not
// trimmed: dead letters stay until [Producer.Requeue] or
// [Producer.DeleteDead] removes them.
type DeadLetter struct {
	Key        string    // its entry in the dead-letter stream: pass it to Requeue or DeleteDead
	ID         string    // the job ID
	Payload    []byte    // the encoded job; see [Producer.Decode]
	Err        string    // the last error, with the stack for a panic
	Deliveries int       // how many times the job was delivered
	Group      string    // the consumer group where it failed
	At         time.Time // when it was dead-lettered (ms, Redis's clock)
}

// DeadLetters returns up to n dead letters, oldest first, starting after
// the one whose Key is after ("" to start at the oldest), so that a caller
// pages through them by passing the last Key it saw.
func (p *Producer[T]) DeadLetters(ctx context.Context, after string, n int) ([]DeadLetter, error) {
	if ctx == nil {
		return nil, errors.New("queue/redis: nil Context")
	}
	if n < 1 {
		return nil, fmt.Errorf("queue/redis: DeadLetters: n must be > 0, got %d", n)
	}
	start := "-"
	if after != "" {
		start = "(" + after
	}
	msgs, err := p.client.XRangeN(ctx, p.keys.dead, start, "+", int64(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("queue/redis: dead letters: %w", err)
	}
	out := make([]DeadLetter, len(msgs))
	for i, m := range msgs {
		out[i] = deadLetter(m)
	}
	return out, nil
}

func deadLetter(m redis.XMessage) DeadLetter {
	str := func(k string) string { s, _ := m.Values[k].(string); return s }
	dl := DeadLetter{Key: m.ID, ID: str("id"), Payload: []byte(str("p")), Err: str("e"), Group: str("g")}
	dl.Deliveries, _ = strconv.Atoi(str("n"))
	if ms, _, ok := strings.Cut(m.ID, "-"); ok {
		if v, err := strconv.ParseInt(ms, 10, 64); err == nil {
			dl.At = time.UnixMilli(v)
		}
	}
	return dl
}

// Decode decodes a dead letter's payload with the producer's codec.
func (p *Producer[T]) Decode(dl DeadLetter) (T, error) {
	var v T
	err := p.cfg.codec.Unmarshal(dl.Payload, &v)
	return v, err
}

// Requeue moves the dead letters with the given keys back to the queue,
// with their delivery count reset, and returns how many it moved (a key
// that is not in the dead-letter stream is skipped). A job keeps its ID
// and unique key (taken again only if no other job holds it).
func (p *Producer[T]) Requeue(ctx context.Context, keys ...string) (int, error) {
	if ctx == nil {
		return 0, errors.New("queue/redis: nil Context")
	}
	if len(keys) == 0 {
		return 0, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	k := p.keys
	n, err := requeueScript.Run(ctx, p.client, []string{k.dead, k.stream, k.uniq}, args...).Int()
	if err != nil {
		return 0, fmt.Errorf("queue/redis: requeue: %w", err)
	}
	return n, nil
}

// DeleteDead deletes the dead letters with the given keys and returns how
// many it deleted.
func (p *Producer[T]) DeleteDead(ctx context.Context, keys ...string) (int, error) {
	if ctx == nil {
		return 0, errors.New("queue/redis: nil Context")
	}
	if len(keys) == 0 {
		return 0, nil
	}
	n, err := p.client.XDel(ctx, p.keys.dead, keys...).Result()
	if err != nil {
		return 0, fmt.Errorf("queue/redis: delete dead letters: %w", err)
	}
	return int(n), nil
}
