package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const testStream = "holdfast:queue:{s}"

// owner returns the consumer that holds the only pending entry of group g.
func owner(t *testing.T, rdb *redis.Client, g string) (consumer string, deliveries int64) {
	t.Helper()
	p, err := rdb.XPendingExt(context.Background(), &redis.XPendingExtArgs{
		Stream: testStream, Group: g, Start: "-", End: "+", Count: 10}).Result()
	if err != nil || len(p) != 1 {
		t.Fatalf("XPENDING = %v, %v, want one entry", p, err)
	}
	return p[0].Consumer, p[0].RetryCount
}

func TestLongHandlerKeepsItsLease(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	// A visibility timeout long enough that a heartbeat (every third of
	// it) is not missed on a loaded CI machine: at 400ms the test failed
	// under load.
	const visibility = time.Second
	started := make(chan context.Context, 1)
	release := make(chan struct{})
	a, err := NewConsumer(ctx, rdb, "s", "g", func(ctx context.Context, _ int) error {
		started <- ctx
		<-release
		return nil
	}, fastConsumer(WithVisibilityTimeout(visibility))...)
	if err != nil {
		t.Fatal(err)
	}
	p.Enqueue(ctx, 1)
	hctx := recv(t, started)
	// b, started once a has the job, reclaims anything idle for longer
	// than the visibility timeout.
	s := newSeen()
	b, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		s.add(v)
		return nil
	}, fastConsumer(WithVisibilityTimeout(visibility))...)
	if err != nil {
		t.Fatal(err)
	}
	// The handler outlives the visibility timeout three times over: a real
	// wait, since Redis measures idle time on its own clock.
	time.Sleep(3 * visibility)
	if err := context.Cause(hctx); err != nil {
		t.Errorf("handler ctx after 3 visibility timeouts: %v, want still live", err)
	}
	if who, n := owner(t, rdb, "g"); who != a.Name() || n != 1 {
		t.Errorf("entry owned by %s after %d deliveries, want %s after 1", who, n, a.Name())
	}
	close(release)
	shutdown(t, a)
	shutdown(t, b)
	if s.count(1) != 0 || b.Stats().Reclaimed != 0 {
		t.Errorf("b ran the job %d times and reclaimed %d, want 0: a kept its lease", s.count(1), b.Stats().Reclaimed)
	}
}

func TestHeartbeatNeverTakesBackAReclaimedEntry(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	// A visibility timeout long enough that a heartbeat (every third of
	// it) is not missed on a loaded CI machine: at 400ms the test failed
	// under load.
	const visibility = time.Second
	started := make(chan context.Context, 1)
	errs := make(chan error, 1)
	a, err := NewConsumer(ctx, rdb, "s", "g", func(ctx context.Context, _ int) error {
		started <- ctx
		<-ctx.Done()
		return context.Cause(ctx)
	}, fastConsumer(WithVisibilityTimeout(visibility), WithOnError(func(_ string, err error) { errs <- err }))...)
	if err != nil {
		t.Fatal(err)
	}
	p.Enqueue(ctx, 1)
	hctx := recv(t, started)
	// Another consumer reclaims the entry, as XAUTOCLAIM would have after a
	// pause of a longer than the visibility timeout (a GC pause, a
	// partition): an XCLAIM with min-idle 0 stands in for it.
	entry := rdb.XPending(ctx, testStream, "g").Val().Lower
	claim := func() error {
		return rdb.XClaimJustID(ctx, &redis.XClaimArgs{Stream: testStream, Group: "g",
			Consumer: "thief", Messages: []string{entry}}).Err()
	}
	if err := claim(); err != nil {
		t.Fatal(err)
	}
	// The thief is alive: it renews its claim as a heartbeat would.
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(visibility / 5)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = claim()
			}
		}
	}()
	defer func() { close(stop); <-stopped }()
	select {
	case <-hctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("handler ctx still live 10s after another consumer took the entry")
	}
	if cause := context.Cause(hctx); !errors.Is(cause, ErrLeaseLost) {
		t.Errorf("handler ctx cause = %v, want ErrLeaseLost", cause)
	}
	recv(t, errs)              // the handler's failure was settled: with no retry, the entry is the thief's
	time.Sleep(3 * visibility) // several heartbeats
	if who, _ := owner(t, rdb, "g"); who != "thief" {
		t.Errorf("entry owned by %s, want thief: a's heartbeat took it back", who)
	}
	if n := rdb.ZCard(ctx, testStream+":delay").Val(); n != 0 {
		t.Errorf("delayed jobs = %d, want 0: a retried an entry it no longer owned", n)
	}
	shutdown(t, a)
}

func TestHeartbeatScriptChecksOwnership(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	rdb.XGroupCreateMkStream(ctx, testStream, "g", "0")
	mine := rdb.XAdd(ctx, &redis.XAddArgs{Stream: testStream, Values: []string{"id", "1"}}).Val()
	theirs := rdb.XAdd(ctx, &redis.XAddArgs{Stream: testStream, Values: []string{"id", "2"}}).Val()
	rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "me", Streams: []string{testStream, ">"}, Count: 1})
	rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "other", Streams: []string{testStream, ">"}, Count: 1})
	kept, err := heartbeatScript.Run(ctx, rdb, []string{testStream}, "g", "me", mine, theirs, "9-9").StringSlice()
	if err != nil || len(kept) != 1 || kept[0] != mine {
		t.Fatalf("heartbeat(%s, %s, 9-9) = %v, %v, want [%s]", mine, theirs, kept, err, mine)
	}
	p := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: testStream, Group: "g", Start: theirs, End: theirs, Count: 1}).Val()
	if p[0].Consumer != "other" {
		t.Errorf("owner of the other consumer's entry after heartbeat = %s, want other", p[0].Consumer)
	}
}

func TestLeaseExpiresWhenRedisIsOutOfReach(t *testing.T) {
	srv, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	started := make(chan context.Context, 1)
	c, err := NewConsumer(ctx, rdb, "s", "g", func(ctx context.Context, _ int) error {
		started <- ctx
		<-ctx.Done()
		return context.Cause(ctx)
	}, fastConsumer(WithVisibilityTimeout(150*time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	p.Enqueue(ctx, 1)
	hctx := recv(t, started)
	srv.Stop()
	recv(t, hctx.Done()) // no renewal for a visibility timeout: someone else may have it
	if cause := context.Cause(hctx); !errors.Is(cause, ErrLeaseLost) {
		t.Errorf("handler ctx cause with Redis down = %v, want ErrLeaseLost", cause)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	shutdown(t, c)
}
