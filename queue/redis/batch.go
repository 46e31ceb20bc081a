package redis

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// maxChunk bounds the jobs that one call of the batch script adds.
const maxChunk = 512

// EnqueueBatch adds every job of vs and returns their IDs, in order. Up to
// 512 jobs go in one Lua script call, so a batch costs one round trip per
// 512 jobs, and Redis checks the bound once per call. The options apply to
// every job; [WithUniqueKey] is refused. When the stream is full, as many
// jobs as fit are added and the call returns [ErrFull] (it does not wait):
// the jobs with a non-empty ID in the result were added, the others were
// not. After another error, the IDs of the calls that succeeded are set.
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
	ids := make([]string, len(vs))
	args := make([]any, 0, 3+2*min(len(vs), maxChunk))
	now := time.Now()
	head := p.args("", nil, ec) // id, payload, unique, delay, at, max length
	for start := 0; start < len(vs); start += maxChunk {
		chunk := vs[start:min(start+maxChunk, len(vs))]
		args = append(args[:0], head[5], head[3], head[4])
		for i, v := range chunk {
			payload, err := p.cfg.codec.Marshal(v)
			if err != nil {
				return ids, &EncodeError{Err: fmt.Errorf("job %d: %w", start+i, err)}
			}
			args = append(args, newJobID(now), payload)
		}
		k := p.keys
		n, err := enqueueBatchScript.Run(ctx, p.client, []string{k.stream, k.delay, k.jobs}, args...).Int()
		if err != nil {
			p.errs.Add(1)
			return ids, fmt.Errorf("queue/redis: enqueue: %w", err)
		}
		for i := range n {
			ids[start+i], _ = args[3+2*i].(string)
		}
		p.enqueued.Add(uint64(n))
		if n < len(chunk) {
			p.full.Add(uint64(len(vs) - start - n))
			return ids, ErrFull
		}
	}
	return ids, nil
}
