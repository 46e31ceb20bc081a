package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/holdfast-go/holdfast/internal/redisproc"
	"github.com/holdfast-go/holdfast/lifecycle"
	qredis "github.com/holdfast-go/holdfast/queue/redis"
	goredis "github.com/redis/go-redis/v9"
)

// shutdownGrace bounds the demo's ordered shutdown.
const shutdownGrace = 15 * time.Second

// system is everything the demo runs: Redis, the provider, the intake and
// the workers, the clients, and the one ordered shutdown.
type system struct {
	cfg      config
	exe      string
	run      string       // this run's name: its stream and its keys
	dir      string       // the raw log's directory
	redis    redisControl // nil: an external Redis, not killed
	addr     string       // Redis's address
	rdb      *goredis.Client
	producer *qredis.Producer[order] // reads the dead letters
	provider *provider
	intakeAt string // the intake's address, the same across restarts
	clients  *clients

	mu         sync.Mutex
	intake     *process
	intakes    []*process // every intake process, the killed one too
	workers    []*process
	final      queueState // read by the shutdown, before the Redis client closes
	killedHeld int64      // entries the killed worker left unacknowledged
	crashed    string     // the order the intake enqueued before it crashed
}

// queueState is the queue as Redis holds it at the end.
type queueState struct {
	dead    []string // dead-lettered order IDs
	pending int64    // entries read and not acknowledged
	lag     int64    // entries not yet read
	delayed int64    // retries waiting for their time
	err     error
}

// start brings everything up. On error it stops what it started.
func start(ctx context.Context, cfg config) (s *system, err error) {
	s = &system{cfg: cfg, exe: cfg.exe, run: "orders-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	if s.exe == "" {
		if s.exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	var sd []stage
	defer func() {
		if err != nil {
			for i := len(sd) - 1; i >= 0; i-- {
				_ = sd[i].fn(context.WithoutCancel(ctx))
			}
		}
	}()
	if s.dir, err = os.MkdirTemp("", "holdfast-orders-"); err != nil {
		return nil, err
	}
	dir := s.dir
	sd = append(sd, stage{"temp dir", func(context.Context) error { return os.RemoveAll(dir) }})
	s.addr, s.redis = cfg.redis, cfg.control
	if s.addr == "" {
		own, err := startRedis()
		if err != nil {
			return nil, err
		}
		s.addr, s.redis = own.addr, own
		sd = append(sd, stage{"redis-server", own.stop})
	}
	s.rdb = newRedisClient(s.addr)
	sd = append(sd, stage{"Redis client", closeStage(s.rdb)})
	if err = s.rdb.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("no answer from Redis at %s: %w", s.addr, err)
	}
	if s.producer, err = qredis.NewProducer[order](ctx, s.rdb, s.run); err != nil {
		return nil, err
	}
	if s.provider, err = newProvider(s.dir, cfg.chargeRate(), cfg.seed); err != nil {
		return nil, err
	}
	sd = append(sd, stage{"provider", s.provider.shutdown})
	if s.intakeAt, err = redisproc.FreeAddr(); err != nil {
		return nil, err
	}
	if err = s.startIntake(ctx); err != nil {
		return nil, err
	}
	sd = append(sd, stage{"intake", s.stopIntake})
	for i := range cfg.workers {
		w, err := startProcess(ctx, fmt.Sprintf("w%d", i+1), s.exe, workerMode, "-redis", s.addr,
			"-provider", s.provider.url, "-name", fmt.Sprintf("w%d", i+1), "-stream", s.run,
			"-visibility", cfg.visibility.String(), "-rate", strconv.Itoa(cfg.sharedRate()))
		if err != nil {
			return nil, err
		}
		s.workers = append(s.workers, w)
	}
	sd = append(sd, stage{"workers", s.stopWorkers})
	s.clients = newClients("http://"+s.intakeAt, cfg.seed, s.run)
	return s, nil
}

// startIntake starts an intake process on the intake's address.
func (s *system) startIntake(ctx context.Context) error {
	p, err := startProcess(ctx, "intake", s.exe, intakeMode, "-redis", s.addr, "-listen", s.intakeAt,
		"-stream", s.run, "-capacity", strconv.Itoa(s.cfg.intakeCapacity()))
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.intake = p
	s.intakes = append(s.intakes, p)
	s.mu.Unlock()
	return nil
}

// intakeTotals sums the intake processes' latest reports.
func (s *system) intakeTotals() (enqueued, duplicates uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.intakes {
		st := p.latest()
		enqueued += st.Enqueued
		duplicates += st.Duplicates
	}
	return enqueued, duplicates
}

// restartIntake makes the intake crash right after an enqueue (or kills
// it with SIGKILL if no order comes within wait), then starts another on
// the same address after down. It returns the order enqueued before the
// crash, if any.
func (s *system) restartIntake(ctx context.Context, wait, down time.Duration) (string, error) {
	s.mu.Lock()
	p := s.intake
	s.mu.Unlock()
	id := p.crash(ctx, wait)
	s.mu.Lock()
	s.crashed = id
	s.mu.Unlock()
	sleep(ctx, down)
	return id, s.startIntake(ctx)
}

func (s *system) stopIntake(ctx context.Context) error {
	s.mu.Lock()
	p := s.intake
	s.mu.Unlock()
	return p.stop(ctx)
}

// stopWorkers stops the worker processes at once; each shuts its consumer
// down, then its Redis client.
func (s *system) stopWorkers(ctx context.Context) error {
	errs := make([]error, len(s.workers))
	var wg sync.WaitGroup
	for i, w := range s.workers {
		wg.Go(func() { errs[i] = w.stop(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// shutdown stops everything in one ordered sequence: the intake (an HTTP
// server, in its process), the workers (their queue consumers, in theirs),
// the provider's HTTP server, then the final count of the queue, the Redis
// client and the redis-server.
func (s *system) shutdown(ctx context.Context, out io.Writer) error {
	sd, err := lifecycle.NewShutdown(lifecycle.WithTimeout(shutdownGrace))
	if err != nil {
		return err
	}
	stages := []stage{
		{"intake process", s.stopIntake},
		{"worker processes", s.stopWorkers},
		{"provider HTTP server", s.provider.shutdown},
		{"final count", s.count},
		{"Redis client", closeStage(s.rdb)},
	}
	if s.redis != nil {
		stages = append(stages, stage{"redis-server", s.redis.stop})
	}
	for _, st := range stages {
		if err := sd.Add(st.name, st.fn); err != nil {
			return err
		}
	}
	rep, err := sd.Run(context.WithoutCancel(ctx))
	line := fmt.Sprintf("shutdown in %v:", rep.Elapsed.Round(time.Millisecond))
	for i, st := range rep.Stages {
		if i > 0 {
			line += ","
		}
		line += fmt.Sprintf(" %s %v", st.Name, st.Duration.Round(100*time.Microsecond))
		if st.Err != nil {
			line += fmt.Sprintf(" (%v)", st.Err)
		}
	}
	fmt.Fprintln(out, line)
	return err
}

// count reads the queue's final state: dead letters and what is left.
func (s *system) count(ctx context.Context) error {
	var q queueState
	after := ""
	for {
		dls, err := s.producer.DeadLetters(ctx, after, 500)
		if err != nil {
			q.err = err
			break
		}
		for _, dl := range dls {
			o, err := s.producer.Decode(dl)
			if err != nil {
				q.err = err
				break
			}
			q.dead = append(q.dead, o.ID)
		}
		if len(dls) < 500 {
			break
		}
		after = dls[len(dls)-1].Key
	}
	q.pending, q.lag, q.delayed = s.queueDepth(ctx)
	s.mu.Lock()
	s.final = q
	s.mu.Unlock()
	return q.err
}

// heldBy counts the entries of the group that the named consumer read and
// did not acknowledge.
func (s *system) heldBy(ctx context.Context, consumer string) (int64, error) {
	if consumer == "" {
		return 0, nil // it died before its first report
	}
	key := qredis.DefaultPrefix + "{" + s.run + "}"
	entries, err := s.rdb.XPendingExt(ctx, &goredis.XPendingExtArgs{
		Stream: key, Group: group, Consumer: consumer, Start: "-", End: "+", Count: 10_000,
	}).Result()
	return int64(len(entries)), err
}

// queueDepth reads the group's pending count and lag and the delayed set.
func (s *system) queueDepth(ctx context.Context) (pending, lag, delayed int64) {
	key := qredis.DefaultPrefix + "{" + s.run + "}"
	pending, lag, delayed = -1, -1, -1
	if groups, err := s.rdb.XInfoGroups(ctx, key).Result(); err == nil {
		for _, g := range groups {
			if g.Name == group {
				pending, lag = g.Pending, g.Lag
			}
		}
	}
	if n, err := s.rdb.ZCard(ctx, key+":delay").Result(); err == nil {
		delayed = n
	}
	return pending, lag, delayed
}

// workerStats sums the workers' latest reports.
func (s *system) workerTotals() (sum workerStats, alive int) {
	for _, w := range s.workers {
		st := w.latest()
		if w.alive() {
			alive++
		}
		sum.Handled += st.Handled
		sum.Failed += st.Failed
		sum.Retried += st.Retried
		sum.DeadLettered += st.DeadLettered
		sum.Reclaimed += st.Reclaimed
		sum.HTTPRetries += st.HTTPRetries
		sum.BreakerOpens += st.BreakerOpens
		sum.Throttled += st.Throttled
		if w.alive() {
			sum.InFlight += st.InFlight
		}
	}
	return sum, alive
}
