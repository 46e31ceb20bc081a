package redis

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestPropertyNothingLost runs producers and consumers with random delays,
// failures, panics and consumer crashes (a crashed consumer's client is
// closed under it: it can neither acknowledge nor renew, as if its process
// had died). Every enqueued job ends handled or dead-lettered, and a job
// runs more than once only where a reclaim explains it.
func TestPropertyNothingLost(t *testing.T) {
	for round := range 3 {
		seed := uint64(time.Now().UnixNano()) + uint64(round)
		t.Run("", func(t *testing.T) {
			t.Logf("seed %d", seed)
			propertyRound(t, seed)
		})
	}
}

func propertyRound(t *testing.T, seed uint64) {
	srv, rdb := startRedis(t)
	ctx := ctxT(t)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	roll := func() float64 { mu.Lock(); defer mu.Unlock(); return rng.Float64() }

	p := newProducer[int](t, ctx, rdb, "s")
	handled := make(map[int]int)
	s := newSeen()
	handler := func(_ context.Context, v int) error {
		switch r := roll(); {
		case r < 0.2:
			return errors.New("random failure")
		case r < 0.25:
			panic("random panic")
		}
		mu.Lock()
		handled[v]++
		mu.Unlock()
		s.add(v)
		return nil
	}
	type member struct {
		c      *Consumer[int]
		client *redis.Client
	}
	start := func() member {
		cl := newClient(t, srv.Addr())
		c, err := NewConsumer(ctx, cl, "s", "g", handler,
			fastConsumer(WithWorkers(1+int(roll()*4)), WithBatchSize(1+int(roll()*8)), WithMaxDeliveries(4))...)
		if err != nil {
			t.Fatal(err)
		}
		return member{c, cl}
	}
	members := []member{start(), start(), start()}

	const jobs = 300
	ids := make(map[int]string, jobs)
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for v := w; v < jobs; v += 3 {
				var opts []EnqueueOption
				if roll() < 0.3 {
					opts = append(opts, WithDelay(time.Duration(roll()*float64(50*time.Millisecond))))
				}
				id, err := p.Enqueue(ctx, v, opts...)
				if err != nil {
					t.Errorf("Enqueue(%d) = %v", v, err)
					return
				}
				mu.Lock()
				ids[v] = id
				mu.Unlock()
			}
		})
	}
	// Crash one or two consumers while the jobs flow, and start others.
	crashes := 1 + int(roll()*2)
	var crashed []*Consumer[int]
	for i := range crashes {
		s.waitCount(t, (i+1)*jobs/(crashes+2))
		m := members[i]
		m.client.Close()
		short, cancel := context.WithTimeout(ctx, time.Second)
		_ = m.c.Shutdown(short)
		cancel()
		crashed = append(crashed, m.c)
		members = append(members, start())
	}
	wg.Wait()

	// Wait until every job is handled or dead.
	deadline := time.Now().Add(30 * time.Second)
	var missing []int
	for {
		dead, err := p.DeadLetters(ctx, "", 10_000)
		if err != nil {
			t.Fatal(err)
		}
		deadIDs := make(map[string]bool, len(dead))
		for _, d := range dead {
			deadIDs[d.ID] = true
		}
		missing = missing[:0]
		mu.Lock()
		for v := range jobs {
			if handled[v] == 0 && !deadIDs[ids[v]] {
				missing = append(missing, v)
			}
		}
		mu.Unlock()
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polls Redis, a real process
	}
	var reclaimed uint64
	for _, m := range members[crashes:] {
		shutdown(t, m.c)
	}
	for _, m := range members {
		reclaimed += m.c.Stats().Reclaimed
	}
	if len(missing) > 0 {
		t.Fatalf("%d jobs neither handled nor dead-lettered, e.g. %d (crashed %d consumers)", len(missing), missing[0], len(crashed))
	}
	dups := 0
	for _, n := range handled {
		dups += n - 1
	}
	if uint64(dups) > reclaimed {
		t.Errorf("%d duplicate runs, but only %d reclaims to explain them", dups, reclaimed)
	}
	t.Logf("%d jobs, %d crashes, %d reclaims, %d duplicates", jobs, len(crashed), reclaimed, dups)
}

// waitCount waits until n values have been handled.
func (s *seen) waitCount(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		got := len(s.n)
		s.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d values handled, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond) // polls real processes
	}
}
