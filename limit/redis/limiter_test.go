package redis

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/holdfast-go/holdfast/limit"
	goredis "github.com/redis/go-redis/v9"
)

func newClient(t *testing.T, addr string) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func newLimiter(t *testing.T, c goredis.Scripter, l Limit, opts ...Option) *Limiter {
	t.Helper()
	lim, err := New(c, l, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return lim
}

// TestScriptMatchesModel drives the script with a clock of its own (the
// test hook) through random requests over a few keys, and checks every
// decision against the reference model.
func TestScriptMatchesModel(t *testing.T) {
	c := newClient(t, redistest.Start(t).Addr())
	l := Limit{Rate: 10, Period: 10 * time.Second, Burst: 4} // one a second
	lim := newLimiter(t, c, l)
	var now int64 = 1_700_000_000_000_000
	lim.nowHook = func() int64 { return now }
	interval, tolerance := l.interval(), l.interval()*int64(l.Burst)
	tats := map[string]int64{}
	r := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()
	for i := range 2000 {
		now += r.Int64N(600_000) // up to 0.6s
		key := []string{"a", "b", "c"}[r.IntN(3)]
		n := r.IntN(5) + 1
		got, err := lim.AllowN(ctx, key, n)
		if err != nil {
			t.Fatal(err)
		}
		var want decision
		want, tats[key] = model(tats[key], now, interval, tolerance, int64(n))
		if got.Allowed != want.allowed || int64(got.Remaining) != want.remaining ||
			micros(got.RetryAfter) != want.retryAfter || micros(got.ResetAfter) != want.resetAfter {
			t.Fatalf("step %d: AllowN(%s, %d) = %+v, want %+v", i, key, n, got, want)
		}
	}
}

// TestTwoReplicas: two limiters, standing for two replicas with a client
// each, hammer one key from 32 goroutines; their combined admissions never
// exceed the burst plus what the rate allows over the time taken.
func TestTwoReplicas(t *testing.T) {
	addr := redistest.Start(t).Addr()
	l := PerMinute(60, 10) // one a second, burst 10
	// A timeout far above DefaultTimeout: on a loaded machine under -race a
	// call can take longer than 250ms, and this test is about sharing, not
	// about the policy when Redis is slow (TestTimeout).
	slow := WithTimeout(30 * time.Second)
	replicas := []*Limiter{newLimiter(t, newClient(t, addr), l, slow), newLimiter(t, newClient(t, addr), l, slow)}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for g := range 32 {
		wg.Go(func() {
			for range 50 {
				res, err := replicas[g%2].Allow(context.Background(), "tenant-1")
				if err != nil {
					t.Error(err)
					return
				}
				if res.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	bound := int64(l.Burst) + int64(elapsed/time.Second) + 1
	if got := allowed.Load(); got < int64(l.Burst) || got > bound {
		t.Fatalf("two replicas allowed %d of 1600 in %v, want between the burst %d and %d", got, elapsed, l.Burst, bound)
	}
}

// countHook counts the commands a client sends, by name.
type countHook struct {
	mu    sync.Mutex
	names []string
}

func (h *countHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *countHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}
func (h *countHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.mu.Lock()
		h.names = append(h.names, cmd.Name())
		h.mu.Unlock()
		return next(ctx, cmd)
	}
}

// TestOneRoundTrip: each decision is one EVALSHA, after the first loads
// the script.
func TestOneRoundTrip(t *testing.T) {
	c := newClient(t, redistest.Start(t).Addr())
	h := &countHook{}
	c.AddHook(h)
	lim := newLimiter(t, c, PerSecond(100, 10))
	ctx := context.Background()
	if _, err := lim.Allow(ctx, "warm-up"); err != nil {
		t.Fatal(err)
	}
	h.names = nil
	for i := range 100 {
		if _, err := lim.Allow(ctx, string(rune('a'+i%26))); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.names) != 100 {
		t.Fatalf("100 decisions sent %d commands, want 100", len(h.names))
	}
	for _, n := range h.names {
		if n != "evalsha" {
			t.Fatalf("command %q, want evalsha", n)
		}
	}
}

// TestUnreachable: with Redis down, a fail-closed limiter returns the
// error and allows nothing; a fail-open one decides locally at its share
// of the limit, and goes back to Redis when it returns.
func TestUnreachable(t *testing.T) {
	srv := redistest.Start(t)
	c := newClient(t, srv.Addr())
	l := PerMinute(60, 10)
	closed := newLimiter(t, c, l)
	open := newLimiter(t, c, l, WithFailOpen(0.5, 0), WithCooldown(0))
	ctx := context.Background()
	srv.Stop()
	down := time.Now()

	res, err := closed.Allow(ctx, "k")
	if err == nil || res.Allowed || !strings.HasPrefix(err.Error(), "limit/redis: ") {
		t.Fatalf("fail-closed Allow with Redis down = %+v, %v; want not allowed and an error", res, err)
	}
	allowed := 0
	for range 20 {
		res, err := open.Allow(ctx, "k")
		if err != nil || !res.Local {
			t.Fatalf("fail-open Allow with Redis down = %+v, %v; want a local decision", res, err)
		}
		if res.Allowed {
			allowed++
		} else if !errors.Is(res.Err(), limit.ErrLimited) || res.RetryAfter <= 0 {
			t.Fatalf("local rejection %+v: Err() = %v, want ErrLimited with a retry-after", res, res.Err())
		}
	}
	// Half the burst of 10, and half the rate over the time taken.
	if want := 5 + int(time.Since(down)/(2*time.Second)); allowed < 5 || allowed > want {
		t.Fatalf("fail-open allowed %d of 20 with Redis down, want 5 to %d", allowed, want)
	}
	if s := open.Stats(); s.Local != 20 || s.Errors != 20 {
		t.Fatalf("Stats() = %+v, want 20 errors, 20 local", s)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// go-redis's pool may hold on to its dial error for a moment after
	// the server is back: poll until a decision comes from Redis.
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err = open.Allow(ctx, "fresh")
		if err != nil {
			t.Fatal(err)
		}
		if !res.Local {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Allow after Redis is back = %+v, want a Redis decision within 10s", res)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !res.Allowed || res.Remaining != 9 {
		t.Fatalf("first Redis decision after the restart = %+v, want allowed, 9 remaining", res)
	}
}

func TestCanceledContext(t *testing.T) {
	lim := newLimiter(t, newClient(t, redistest.Start(t).Addr()), PerSecond(1, 1), WithFailOpen(1, 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lim.Allow(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Allow with a canceled ctx = %v, want context.Canceled", err)
	}
}

func TestBadInput(t *testing.T) {
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	tests := []struct {
		name string
		l    Limit
		opts []Option
		want string
	}{
		{"rate", Limit{Rate: 0, Period: time.Second, Burst: 1}, nil, "Limit.Rate must be >= 1, got 0"},
		{"period", Limit{Rate: 1, Period: 0, Burst: 1}, nil, "Limit.Period must be >= 1µs, got 0s"},
		{"burst", Limit{Rate: 1, Period: time.Second, Burst: 0}, nil, "Limit.Burst must be >= 1, got 0"},
		{"too fast", Limit{Rate: 2_000_000, Period: time.Second, Burst: 1}, nil, "above one per µs"},
		// A burst of 100,000 at one a day is a tolerance of 274 years in
		// µs: past what the script's doubles hold exactly beside the clock.
		{"burst too long", Limit{Rate: 1, Period: 24 * time.Hour, Burst: 100_000}, nil, "Limit.Burst 100000 at 1 per 24h0m0s spans more than 100 years"},
		{"period too long", Limit{Rate: 1, Period: 200 * 365 * 24 * time.Hour, Burst: 1}, nil, "spans more than 100 years"},
		{"share", PerSecond(1, 1), []Option{WithFailOpen(0, 0)}, "WithFailOpen: share must be in (0, 1], got 0"},
		{"max keys", PerSecond(1, 1), []Option{WithFailOpen(1, -1)}, "WithFailOpen: maxKeys must be >= 0, got -1"},
		{"nil option", PerSecond(1, 1), []Option{nil}, "nil Option"},
	}
	for _, tt := range tests {
		_, err := New(c, tt.l, tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := New(nil, PerSecond(1, 1)); err == nil {
		t.Errorf("New(nil client) = nil error, want one")
	}
	lim, _ := New(c, PerSecond(1, 1))
	if _, err := lim.AllowN(context.Background(), "k", 0); err == nil || !strings.Contains(err.Error(), "n must be >= 1, got 0") {
		t.Errorf("AllowN(n 0) = %v, want an error naming n", err)
	}
	//lint:ignore SA1012 a nil ctx is what is tested
	if _, err := lim.Allow(nil, "k"); err == nil {
		t.Errorf("Allow(nil ctx) = nil error, want one")
	}
}

// TestCooldown: after a failure, the limiter leaves Redis alone for the
// cooldown, then tries it again.
func TestCooldown(t *testing.T) {
	srv := redistest.Start(t)
	c := newClient(t, srv.Addr())
	h := &countHook{}
	c.AddHook(h)
	lim := newLimiter(t, c, PerSecond(10, 10), WithCooldown(time.Hour))
	srv.Stop()
	ctx := context.Background()
	for range 10 {
		if _, err := lim.Allow(ctx, "k"); err == nil {
			t.Fatal("Allow with Redis down and failing closed = nil error, want one")
		}
	}
	if s := lim.Stats(); s.Errors != 1 || s.Decisions != 10 {
		t.Fatalf("Stats() = %+v, want 1 error for 10 decisions (one Redis call, then the cooldown)", s)
	}
}

// TestTimeout: a Redis that accepts the connection but never answers (a
// listener that reads and stays silent) costs a decision WithTimeout, and
// the decision is made locally while the caller's ctx has time left.
func TestTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	conns.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Go(func() {
				_, _ = io.Copy(io.Discard, conn)
				_ = conn.Close()
			})
		}
	})
	c := newClient(t, ln.Addr().String())
	t.Cleanup(func() {
		_ = c.Close()
		_ = ln.Close()
		conns.Wait()
	})
	lim := newLimiter(t, c, PerSecond(10, 10), WithTimeout(50*time.Millisecond), WithFailOpen(1, 0))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := lim.Allow(ctx, "k")
	if err != nil || !res.Local || !res.Allowed {
		t.Fatalf("Allow with a silent Redis = %+v, %v; want a local decision", res, err)
	}
}
