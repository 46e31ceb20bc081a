package faultinject

import (
	"context"
	"io"
	"time"
)

// body is a response body that records how it is read and closed, and
// reads slowly or breaks off as its fault says.
type body struct {
	t     *Transport
	call  int // index of the call in t.calls
	ctx   context.Context
	r     io.ReadCloser
	delay time.Duration
	chunk int
	err   error // returned instead of io.EOF, when not nil
}

func (b *body) Read(p []byte) (int, error) {
	if b.delay > 0 {
		if err := wait(b.ctx, b.delay); err != nil {
			return 0, err
		}
		if len(p) > b.chunk {
			p = p[:b.chunk]
		}
	}
	n, err := b.r.Read(p)
	if err == io.EOF && b.err != nil {
		err = b.err
	}
	b.t.update(b.call, func(c *Call) { c.BodyRead += int64(n) })
	return n, err
}

func (b *body) Close() error {
	b.t.update(b.call, func(c *Call) { c.BodyClosed = true })
	return b.r.Close()
}

// wait waits d, or returns ctx's error if ctx ends first.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
