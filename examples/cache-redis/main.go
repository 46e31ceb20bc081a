// Command cache-redis runs holdfast's two-tier cache against a real Redis:
// two Caches stand for two replicas of a service sharing one Redis. It
// shows a stampede of concurrent misses making one database query, the
// local tier answering repeated reads without Redis, a write on one
// replica dropping the key from the other's local tier, and negative
// caching; each replica's Redis calls go through a circuit breaker.
//
//	redis-server --port 6379 &
//	go run ./examples/cache-redis -addr localhost:6379
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	cacheredis "github.com/holdfast-go/holdfast/cache/redis"
	"github.com/redis/go-redis/v9"
)

// Product is the cached value: JSON-encoded in Redis by default.
type Product struct {
	ID    string
	Name  string
	Price int
}

// database stands for the expensive source: 20ms per query.
type database struct{ queries atomic.Int64 }

func (d *database) product(ctx context.Context, id string) (Product, error) {
	d.queries.Add(1)
	select {
	case <-time.After(20 * time.Millisecond):
	case <-ctx.Done():
		return Product{}, ctx.Err()
	}
	if id == "missing" {
		return Product{}, fmt.Errorf("product %s: %w", id, cache.ErrNotFound)
	}
	return Product{ID: id, Name: "Widget " + id, Price: 1999}, nil
}

// replica is one process's view: its own client, Store and Cache.
func replica(addr, name string) (*cache.Cache[Product], func(), error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	store, err := cacheredis.New(rdb, cacheredis.WithPrefix("holdfast-example:"))
	if err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	// A circuit breaker guards the Redis calls: while Redis is down, the
	// cache stops waiting for it and answers from its local tier and the
	// database at once.
	br, err := breaker.New(breaker.WithName("redis "+name),
		breaker.WithConsecutiveFailures(5), breaker.WithOpenDuration(2*time.Second))
	if err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	c, err := cache.New[Product](
		cache.WithStore(store),
		cache.WithNamespace("product:"),
		cache.WithLocalEntries(10_000),
		cache.WithLocalTTL(30*time.Second), // the staleness bound if an invalidation is lost
		cache.WithRemoteTTL(10*time.Minute),
		cache.WithStaleGrace(time.Minute),
		cache.WithNegativeTTL(5*time.Second),
		cache.WithRemoteTimeout(100*time.Millisecond),
		cache.WithRemoteGuard(br.Do),
		cache.WithOnRemoteError(func(op string, err error) { log.Printf("%s: redis %s: %v", name, op, err) }),
	)
	if err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	closeAll := func() {
		_ = c.Close() // the caches first, then the client they use
		_ = rdb.Close()
	}
	return c, closeAll, nil
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cache-redis:", err)
		os.Exit(1)
	}
}

// run parses args and runs the demo, within 30s, against the Redis at -addr.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cache-redis", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "localhost:6379", "Redis `address`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fs.PrintDefaults()
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return demo(ctx, *addr, out)
}

// demo runs two replicas on the Redis at addr through the four steps below,
// printing what each shows to out.
func demo(ctx context.Context, addr string, out io.Writer) error {
	ping := redis.NewClient(&redis.Options{Addr: addr})
	err := ping.Ping(ctx).Err()
	_ = ping.Close()
	if err != nil {
		return fmt.Errorf("no Redis at %s: %w", addr, err)
	}
	a, closeA, err := replica(addr, "replica A")
	if err != nil {
		return err
	}
	defer closeA()
	b, closeB, err := replica(addr, "replica B")
	if err != nil {
		return err
	}
	defer closeB()
	db := &database{}
	id := fmt.Sprintf("p%d", time.Now().UnixNano()) // a key no earlier run cached
	load := func(ctx context.Context) (Product, error) { return db.product(ctx, id) }
	_ = a.Delete(ctx, id)

	// 1. A stampede: 500 concurrent requests for a cold key, one query.
	var wg sync.WaitGroup
	for range 500 {
		wg.Go(func() {
			if _, err := a.GetOrLoad(ctx, id, load); err != nil {
				log.Print(err)
			}
		})
	}
	wg.Wait()
	fmt.Fprintf(out, "500 concurrent GetOrLoad calls on a cold key: %d database query\n", db.queries.Load())

	// 2. Replica B finds it in Redis, then in its own local tier.
	start := time.Now()
	p, _ := b.GetOrLoad(ctx, id, load)
	remote := time.Since(start)
	start = time.Now()
	_, _ = b.GetOrLoad(ctx, id, load)
	fmt.Fprintf(out, "replica B: %s from Redis in %v, then from its local tier in %v\n", p.Name, remote, time.Since(start))

	// 3. A writes a new price: B's local copy is dropped through pub/sub.
	p.Price = 1499
	seen := b.Stats().Invalidations
	if err := a.Set(ctx, id, p); err != nil {
		return err
	}
	// Pub/sub takes well under a millisecond on a LAN; a real service
	// would not wait, this demo does so that the outcome is certain.
	for deadline := time.Now().Add(time.Second); b.Stats().Invalidations == seen && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	p, _ = b.Get(ctx, id)
	fmt.Fprintf(out, "after replica A's Set, replica B reads price %d\n", p.Price)

	// 4. A product that does not exist is remembered as missing.
	for range 3 {
		_, err := a.GetOrLoad(ctx, "missing", func(ctx context.Context) (Product, error) { return db.product(ctx, "missing") })
		if !errors.Is(err, cache.ErrNotFound) {
			return fmt.Errorf("GetOrLoad(missing) = %v", err)
		}
	}
	fmt.Fprintf(out, "database queries so far: %d (three lookups of a missing product made one)\n", db.queries.Load())
	_ = a.Delete(ctx, id, "missing")

	for _, r := range []struct {
		name string
		c    *cache.Cache[Product]
	}{{"A", a}, {"B", b}} {
		st := r.c.Stats()
		fmt.Fprintf(out, "replica %s: local hits %d, remote hits %d, misses %d, loads %d, remote errors %d, invalidations %d\n",
			r.name, st.LocalHits, st.RemoteHits, st.Misses, st.Loads, st.RemoteErrors, st.Invalidations)
	}
	return nil
}
