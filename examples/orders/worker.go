package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/idempotency"
	limitredis "github.com/holdfast-go/holdfast/limit/redis"
	qredis "github.com/holdfast-go/holdfast/queue/redis"
	"github.com/holdfast-go/holdfast/retry"
	goredis "github.com/redis/go-redis/v9"
)

// Worker settings.
const (
	workerConcurrency = 8                      // handlers a worker process runs at once
	maxDeliveries     = 4                      // deliveries before an order is dead-lettered
	chargeTimeout     = 3 * time.Second        // one delivery's budget
	attemptTimeout    = 600 * time.Millisecond // one HTTP attempt's budget
	statsEvery        = 100 * time.Millisecond // how often a worker reports its counts
)

// workerStats is what a child process reports, one JSON line at a time,
// on its stdout: a worker's consumer's counts and its own, or the intake's
// producer's counts.
type workerStats struct {
	Name         string `json:"name"`
	Consumer     string `json:"consumer,omitempty"` // the consumer's name in the group
	Handled      uint64 `json:"handled"`
	Failed       uint64 `json:"failed"`
	Retried      uint64 `json:"retried"`
	DeadLettered uint64 `json:"dead"`
	Reclaimed    uint64 `json:"reclaimed"`
	InFlight     int64  `json:"inflight"`
	Pending      int64  `json:"pending"`
	Lag          int64  `json:"lag"`
	HTTPRetries  uint64 `json:"http_retries"` // attempts retried by retry.Transport
	BreakerOpens uint64 `json:"breaker_opens"`
	Throttled    uint64 `json:"throttled"` // charges that waited for the shared rate limit

	// The intake's counts.
	Enqueued   uint64 `json:"enqueued,omitempty"`   // jobs added to the queue
	Duplicates uint64 `json:"duplicates,omitempty"` // enqueues that found their order already queued
}

// worker charges orders at the provider.
type worker struct {
	name    string
	client  *http.Client
	url     string
	limiter *limitredis.Limiter

	httpRetries, opens, throttled atomic.Uint64
}

// runWorker is a worker process: a queue/redis consumer that charges each
// order once at the provider.
func runWorker(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	redisAddr := fs.String("redis", "", "Redis address")
	provider := fs.String("provider", "", "the provider's base URL")
	name := fs.String("name", "w?", "the worker's name in the raw log")
	visibility := fs.Duration("visibility", 2*time.Second, "visibility timeout")
	rate := fs.Int("rate", 100, "charges a second, shared by every worker")
	stream := fs.String("stream", "orders", "the queue's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rdb := newRedisClient(*redisAddr)
	w, err := newWorker(*name, *provider, rdb, *rate)
	if err != nil {
		_ = rdb.Close()
		return err
	}
	c, err := qredis.NewConsumer(ctx, rdb, *stream, group, w.charge,
		qredis.WithWorkers(workerConcurrency), qredis.WithBatchSize(workerConcurrency),
		qredis.WithVisibilityTimeout(*visibility), qredis.WithMaxDeliveries(maxDeliveries),
		qredis.WithRetryBackoff(100*time.Millisecond, time.Second), qredis.WithBlock(200*time.Millisecond))
	if err != nil {
		_ = rdb.Close()
		return err
	}
	stop := w.report(c)
	fmt.Printf("%s%s\n", readyPrefix, *name)
	return serveUntilDone(ctx,
		stage{"queue consumer", c.Shutdown},
		stage{"stats", func(context.Context) error { stop(); return nil }},
		stage{"Redis client", closeStage(rdb)})
}

// newWorker builds the provider client: retry outermost, then the breaker,
// then the propagated deadline, then the network.
func newWorker(name, url string, rdb goredis.Scripter, rate int) (*worker, error) {
	w := &worker{name: name, url: url}
	limiter, err := limitredis.New(rdb, limitredis.PerSecond(rate, max(1, rate/10)))
	if err != nil {
		return nil, err
	}
	w.limiter = limiter
	b, err := breaker.New(breaker.WithConsecutiveFailures(5), breaker.WithOpenDuration(100*time.Millisecond),
		breaker.WithOnStateChange(func(_ string, _, to breaker.State) {
			if to == breaker.StateOpen {
				w.opens.Add(1)
			}
		}))
	if err != nil {
		return nil, err
	}
	policy, err := retry.New(retry.WithMaxAttempts(3), retry.WithAttemptTimeout(attemptTimeout),
		retry.WithStrategy(retry.FullJitter(20*time.Millisecond, 100*time.Millisecond)),
		retry.WithOnRetry(func(int, error, time.Duration) { w.httpRetries.Add(1) }))
	if err != nil {
		return nil, err
	}
	rt, err := deadline.Transport(http.DefaultTransport)
	if err == nil {
		rt, err = breaker.Transport(rt, b)
	}
	if err == nil {
		rt, err = retry.Transport(rt, policy)
	}
	if err != nil {
		return nil, err
	}
	w.client = &http.Client{Transport: rt}
	return w, nil
}

// charge is the queue's handler: wait for the shared rate limit, then
// charge the order with its ID as the Idempotency-Key. Any answer but 2xx
// fails the delivery, and the queue retries it after a backoff.
func (w *worker) charge(ctx context.Context, o order) error {
	ctx, cancel := context.WithTimeout(ctx, chargeTimeout)
	defer cancel()
	if err := w.waitTurn(ctx); err != nil {
		return err
	}
	body, err := json.Marshal(charge{Order: o.ID, Cents: o.Cents})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url+chargePath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set(idempotency.HeaderKey, o.ID)
	req.Header.Set(workerHead, w.name)
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("charge %s: provider answered %s", o.ID, resp.Status)
	}
	return nil
}

// waitTurn waits until the shared limit lets one more charge go. While
// Redis cannot be reached the limit fails closed: the worker waits.
func (w *worker) waitTurn(ctx context.Context) error {
	for waited := false; ; waited = true {
		res, err := w.limiter.AllowN(ctx, limitKey, 1)
		if err == nil && res.Allowed {
			return nil
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		wait := res.RetryAfter
		if err != nil || wait <= 0 {
			wait = 50 * time.Millisecond
		}
		if !waited {
			w.throttled.Add(1)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
	}
}

// report prints the worker's counts every statsEvery until the returned
// stop is called, which prints them a last time.
func (w *worker) report(c *qredis.Consumer[order]) (stop func()) {
	return reportEvery(func() workerStats {
		st := w.stats(c.Stats())
		st.Consumer = c.Name()
		return st
	})
}

// reportEvery prints stats() as a JSON line every statsEvery until the
// returned stop is called, which prints it a last time.
func reportEvery(stats func() workerStats) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	enc := json.NewEncoder(os.Stdout)
	emit := func() {
		if err := enc.Encode(stats()); err != nil && !errors.Is(err, os.ErrClosed) {
			errorf("stats: %v", err)
		}
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(statsEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				emit()
				return
			case <-t.C:
				emit()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// stats gathers the counts of the consumer and of the worker.
func (w *worker) stats(s qredis.Stats) workerStats {
	return workerStats{
		Name: w.name, Handled: s.Handled, Failed: s.Failed, Retried: s.Retried,
		DeadLettered: s.DeadLettered, Reclaimed: s.Reclaimed, InFlight: s.InFlight,
		Pending: s.Pending, Lag: s.Lag,
		HTTPRetries: w.httpRetries.Load(), BreakerOpens: w.opens.Load(), Throttled: w.throttled.Load(),
	}
}
