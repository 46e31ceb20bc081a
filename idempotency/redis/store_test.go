package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/holdfast-go/holdfast/idempotency/internal/storetest"
	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/redis/go-redis/v9"
)

func TestStoreContract(t *testing.T) {
	single := newClient(t, redistest.Start(t).Addr())
	clients := map[string]redis.UniversalClient{"single": single, "cluster": startCluster(t)}
	for name, client := range clients {
		t.Run(name, func(t *testing.T) {
			n := 0
			storetest.Run(t, func(t *testing.T) idempotency.Store {
				n++ // a prefix per check, so that checks share no key
				return newStore(t, client, WithPrefix(fmt.Sprintf("check%d:", n)))
			}, 50*time.Millisecond, false)
		})
	}
}

func TestStoreKeyIsItsHashTag(t *testing.T) {
	s := newStore(t, newClient(t, "127.0.0.1:1"))
	if got, want := s.Key("order-42"), "holdfast:idem:{order-42}"; got != want {
		t.Errorf("Key(order-42) = %q, want %q", got, want)
	}
}

func TestNewBad(t *testing.T) {
	noCtx := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer noCtx.Close()
	ok := newClient(t, "127.0.0.1:1")
	tests := []struct {
		name   string
		client redis.UniversalClient
		opt    Option
		want   string
	}{
		{"nil client", nil, nil, "client must not be nil"},
		{"nil *redis.Client", (*redis.Client)(nil), nil, "client must not be nil, got a nil *redis.Client"},
		{"nil *redis.ClusterClient", (*redis.ClusterClient)(nil), nil, "client must not be nil, got a nil *redis.ClusterClient"},
		{"nil *redis.Ring", (*redis.Ring)(nil), nil, "client must not be nil, got a nil *redis.Ring"},
		{"context timeouts off", noCtx, WithPrefix("x:"), "ContextTimeoutEnabled"},
		{"nil option", ok, nil, "nil Option"},
		{"hash tag in prefix", ok, WithPrefix("a{b}:"), `WithPrefix: prefix must not contain '{' or '}', got "a{b}:"`},
	}
	for _, tt := range tests {
		var opts []Option
		if tt.opt != nil || tt.name == "nil option" {
			opts = append(opts, tt.opt)
		}
		s, err := New(tt.client, opts...)
		if s != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, %v, want an error containing %q", tt.name, s, err, tt.want)
		}
	}
}

func TestRoundTrips(t *testing.T) {
	// One round trip to acquire, one to complete, one to replay, once
	// the scripts are cached on the server.
	client := newClient(t, redistest.Start(t).Addr())
	var c counter
	client.AddHook(&c)
	g := newGroup(t, newStore(t, client))
	ctx := context.Background()
	fn := func(context.Context) (string, error) { return "v", nil }
	if _, _, err := idempotency.Do(ctx, g, "warm", "", fn); err != nil { // loads the scripts
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  string
		want int64
	}{
		{"first run", "k", 2},
		{"replay", "k", 1},
	}
	for _, tt := range tests {
		before := c.n.Load()
		if _, _, err := idempotency.Do(ctx, g, tt.key, "", fn); err != nil {
			t.Fatal(err)
		}
		if got := c.n.Load() - before; got != tt.want {
			t.Errorf("%s: %d round trips, want %d", tt.name, got, tt.want)
		}
	}
}

func TestTwoReplicasThousandCallsOneRun(t *testing.T) {
	srv := redistest.Start(t)
	groups := []*idempotency.Group{
		newGroup(t, newStore(t, newClient(t, srv.Addr())), idempotency.WithPollInterval(5*time.Millisecond)),
		newGroup(t, newStore(t, newClient(t, srv.Addr())), idempotency.WithPollInterval(5*time.Millisecond)),
	}
	const calls = 1000
	var runs, started atomic.Int32
	allStarted := make(chan struct{})
	fn := func(context.Context) (int, error) {
		runs.Add(1)
		<-allStarted // hold the key until every call is under way
		return 42, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, calls)
	vals := make([]int, calls)
	for i := range calls {
		wg.Go(func() {
			if started.Add(1) == calls {
				close(allStarted)
			}
			vals[i], _, errs[i] = idempotency.Do(ctx, groups[i%2], "one", "fp", fn)
		})
	}
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Fatalf("fn ran %d times across two replicas, want 1", n)
	}
	for i := range calls {
		if errs[i] != nil || vals[i] != 42 {
			t.Fatalf("call %d: Do = %d, %v, want 42, nil", i, vals[i], errs[i])
		}
	}
}

func TestFingerprintMismatchAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	a := newGroup(t, newStore(t, newClient(t, srv.Addr())), idempotency.WithInProgress(idempotency.Reject))
	b := newGroup(t, newStore(t, newClient(t, srv.Addr())), idempotency.WithInProgress(idempotency.Reject))
	ctx := context.Background()
	release := make(chan struct{})
	held := make(chan struct{})
	done := make(chan error)
	go func() {
		_, _, err := idempotency.Do(ctx, a, "k", "fp-a", func(context.Context) (int, error) {
			close(held)
			<-release
			return 1, nil
		})
		done <- err
	}()
	<-held
	fn := func(context.Context) (int, error) { return 2, nil }
	if _, _, err := idempotency.Do(ctx, b, "k", "fp-b", fn); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Errorf("Do(other fingerprint) while in progress = %v, want ErrKeyReused", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, _, err := idempotency.Do(ctx, b, "k", "fp-b", fn); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Errorf("Do(other fingerprint) after completion = %v, want ErrKeyReused", err)
	}
	if v, replayed, err := idempotency.Do(ctx, b, "k", "fp-a", fn); v != 1 || !replayed || err != nil {
		t.Errorf("Do(same fingerprint) = %d, %v, %v, want 1, true, nil", v, replayed, err)
	}
}

func TestHolderCrashRealLease(t *testing.T) {
	// A replica acquires and dies: the other replica waits out the real
	// lease, then runs fn with a greater token.
	srv := redistest.Start(t)
	const lease = 200 * time.Millisecond
	crashed := newStore(t, newClient(t, srv.Addr()))
	ctx := context.Background()
	a, err := crashed.Acquire(ctx, "k", "fp", lease)
	if err != nil || a.State != idempotency.Acquired {
		t.Fatalf("Acquire = %+v, %v", a, err)
	}
	g := newGroup(t, newStore(t, newClient(t, srv.Addr())), idempotency.WithLease(time.Second),
		idempotency.WithPollInterval(10*time.Millisecond))
	var token uint64
	v, replayed, err := idempotency.Do(ctx, g, "k", "fp", func(ctx context.Context) (int, error) {
		token, _ = idempotency.Token(ctx)
		return 7, nil
	})
	if v != 7 || replayed || err != nil {
		t.Fatalf("Do = %d, %v, %v, want a run after the lease", v, replayed, err)
	}
	if token <= a.Token {
		t.Errorf("token after takeover = %d, want > %d", token, a.Token)
	}
	if err := crashed.Complete(ctx, "k", a.Token, []byte("vx"), time.Hour); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Complete by the crashed holder = %v, want ErrLeaseLost", err)
	}
}
