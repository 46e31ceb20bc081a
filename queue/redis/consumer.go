package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Consumer runs a handler on the jobs of a queue, as one consumer of a
// Redis consumer group, from [WithWorkers] goroutines. It is safe for
// concurrent use. [NewConsumer] starts it; [Consumer.Shutdown] stops it,
// and must be called. It does not own the client.
//
// Delivery is at least once: a job is acknowledged only after its handler
// returns nil, and a job whose consumer died, or whose lease could not be
// renewed, runs again elsewhere. See the package doc.
type Consumer[T any] struct {
	client  redis.UniversalClient
	keys    keys
	group   string
	name    string
	cfg     consumerConfig
	handler func(context.Context, T) error

	// life is the context of the consumer's own Redis calls; handlers run
	// under base, which Shutdown cancels when its ctx ends.
	life       context.Context
	endLife    context.CancelFunc
	base       context.Context
	cancelBase context.CancelCauseFunc

	stop                              chan struct{}  // closed by Shutdown: stop reading
	work                              chan *delivery // reader to workers
	acks                              chan *delivery // workers to the acker
	slots                             chan struct{}  // one token per entry the consumer may hold
	leases                            leaseTable
	workers                           sync.WaitGroup
	readerDone, ackerDone, keeperDone chan struct{}
	stopKeeper                        chan struct{}
	shut                              atomic.Bool
	hookPanic                         atomic.Pointer[PanicError] // the first panic of the WithOnError hook

	stats counters
}

// counters are a Consumer's counts; see [Stats].
type counters struct {
	handled, failed, retried, dead, reclaimed, released atomic.Uint64
	inFlight                                            atomic.Int64
	pending, lag                                        atomic.Int64
}

// Stats are a [Consumer]'s counts since it started, and the group's state
// in Redis as of its last maintenance pass (every visibility timeout).
type Stats struct {
	Handled      uint64 // jobs whose handler returned nil
	Failed       uint64 // deliveries whose handler returned an error or panicked
	Retried      uint64 // failed jobs scheduled to run again after a backoff
	DeadLettered uint64 // jobs this consumer moved to the dead letters
	Reclaimed    uint64 // entries taken over from a consumer that stopped renewing them
	Released     uint64 // read entries put back by Shutdown, unrun or with their handler cancelled
	InFlight     int64  // handlers running now

	// Pending is the group's count of entries read and not acknowledged,
	// by any consumer; Lag is the count of entries not yet read by the
	// group (-1 when Redis cannot tell). Both are -1 until known.
	Pending int64
	Lag     int64
}

// delivery is one stream entry read by the consumer.
type delivery struct {
	entry   string // stream entry ID
	job     string // job ID
	payload string
	unique  string
	group   string // the only group that runs it, or ""
	prior   int    // deliveries of the job before this entry
	count   int    // deliveries of this entry
	lease   *lease
}

// deliveries is how many times the job has been delivered, this one
// included.
func (d *delivery) deliveries() int { return d.prior + d.count }

// NewConsumer joins the consumer group named group of the queue named
// stream (creating both if needed: a new group starts at the stream's
// first entry) and starts handling jobs with handler. Each Consumer has a
// unique consumer name (host, process ID and random bits).
//
// ctx bounds only the setup calls (the eviction check, creating the
// group); the Consumer runs until [Consumer.Shutdown], whatever becomes of
// ctx. Its values reach the handlers' ctx.
//
// It returns an error for a nil ctx, client or handler, an empty or
// hash-tagged name, a bad option, a client without ContextTimeoutEnabled,
// an evicting Redis ([ErrEvicting]) or a Redis it cannot reach.
func NewConsumer[T any](ctx context.Context, client redis.UniversalClient, stream, group string,
	handler func(context.Context, T) error, opts ...ConsumerOption) (*Consumer[T], error) {
	if ctx == nil {
		return nil, errors.New("queue/redis: nil Context")
	}
	if err := checkClient("NewConsumer", client); err != nil {
		return nil, err
	}
	if err := checkName("NewConsumer", "stream", stream); err != nil {
		return nil, err
	}
	if err := checkName("NewConsumer", "group", group); err != nil {
		return nil, err
	}
	if handler == nil {
		return nil, errors.New("queue/redis: NewConsumer: handler must not be nil")
	}
	cfg, err := consumerOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := checkEviction(ctx, "NewConsumer", client, cfg.warnEvict); err != nil {
		return nil, err
	}
	c := &Consumer[T]{
		client: client, keys: newKeys(cfg.prefix, stream), group: group,
		name: consumerName(), cfg: cfg, handler: handler,
		stop:       make(chan struct{}),
		work:       make(chan *delivery, cfg.workers+cfg.batch),
		acks:       make(chan *delivery, cfg.workers+cfg.batch),
		slots:      make(chan struct{}, cfg.workers+cfg.batch),
		readerDone: make(chan struct{}), ackerDone: make(chan struct{}),
		keeperDone: make(chan struct{}), stopKeeper: make(chan struct{}),
	}
	if err := c.createGroup(ctx); err != nil {
		return nil, err
	}
	c.stats.pending.Store(-1)
	c.stats.lag.Store(-1)
	c.leases.init()
	for range cap(c.slots) {
		c.slots <- struct{}{}
	}
	c.life, c.endLife = context.WithCancel(context.WithoutCancel(ctx))
	c.base, c.cancelBase = context.WithCancelCause(context.WithoutCancel(ctx))
	c.workers.Add(cfg.workers)
	for range cfg.workers {
		go c.work1()
	}
	go c.read()
	go c.ack()
	go c.keep()
	return c, nil
}

func consumerOptions(opts []ConsumerOption) (consumerConfig, error) {
	cfg := consumerConfig{
		common: defaultCommon(), workers: DefaultWorkers, batch: DefaultBatchSize,
		visibility: DefaultVisibilityTimeout, maxDeliveries: DefaultMaxDeliveries,
		block: DefaultBlock, retryBase: DefaultRetryBase, retryMax: DefaultRetryMax,
	}
	for _, o := range opts {
		if o == nil {
			return cfg, errors.New("queue/redis: NewConsumer: nil Option")
		}
		if err := o.applyConsumer(&cfg); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// consumerName is unique per Consumer: host, process and 32 random bits.
func consumerName() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// createGroup creates the stream and the group if they do not exist.
func (c *Consumer[T]) createGroup(ctx context.Context) error {
	err := c.client.XGroupCreateMkStream(ctx, c.keys.stream, c.group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("queue/redis: XGROUP CREATE: %w", err)
	}
	return nil
}

// Name returns the consumer's name in the group.
func (c *Consumer[T]) Name() string { return c.name }

// Stats returns the consumer's counts; see [Stats].
func (c *Consumer[T]) Stats() Stats {
	s := &c.stats
	return Stats{
		Handled: s.handled.Load(), Failed: s.failed.Load(), Retried: s.retried.Load(),
		DeadLettered: s.dead.Load(), Reclaimed: s.reclaimed.Load(), Released: s.released.Load(),
		InFlight: s.inFlight.Load(), Pending: s.pending.Load(), Lag: s.lag.Load(),
	}
}

// Shutdown stops reading and waits for the running handlers to return.
// When ctx ends first it cancels their ctx (the cause is ctx's) and waits
// for them to return. Entries read but not started, and those whose
// handler returned an error after that cancellation, are put back for any
// consumer to take at once, without counting a delivery (a cancellation
// by Shutdown is not the job's failure: it is neither retried with a
// backoff nor dead-lettered). Entries that could not be put back, or
// whose acknowledgement could not reach Redis, stay pending and are
// reclaimed after the visibility timeout. Nothing acknowledged is lost and
// nothing unacknowledged is dropped.
//
// Shutdown returns only once its goroutines are done, which can be after
// ctx ends: it waits for handlers that ignore their ctx, for the read in
// progress (up to [WithBlock]) and for the put-backs and the last
// acknowledgements, each bounded by the visibility timeout, which matters
// only when Redis is out of reach.
//
// It returns nil when every handler returned before ctx ended, ctx's cause
// ([context.Cause]: its error, unless it was cancelled with a cause)
// otherwise, and [ErrClosed] on a second call. If the [WithOnError] hook
// panicked, the first such panic is returned too, as a [*PanicError].
func (c *Consumer[T]) Shutdown(ctx context.Context) error {
	if ctx == nil {
		return errors.New("queue/redis: nil Context")
	}
	if !c.shut.CompareAndSwap(false, true) {
		return ErrClosed
	}
	close(c.stop)
	done := make(chan struct{})
	go func() { c.workers.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = context.Cause(ctx)
		c.cancelBase(err)
		<-done
	}
	<-c.readerDone
	close(c.acks)
	<-c.ackerDone
	close(c.stopKeeper)
	<-c.keeperDone
	c.removeSelf()
	c.endLife()
	c.cancelBase(ErrClosed)
	if p := c.hookPanic.Load(); p != nil {
		err = errors.Join(err, p)
	}
	return err
}

// removeSelf deletes the consumer from the group if it holds no entry.
func (c *Consumer[T]) removeSelf() {
	ctx, cancel := context.WithTimeout(c.life, time.Second)
	defer cancel()
	_ = cleanupScript.Run(ctx, c.client, []string{c.keys.stream}, c.group, int64(1<<62), c.name).Err()
}
