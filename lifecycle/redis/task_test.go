package redis

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/redistest"
	"github.com/holdfast-go/holdfast/lifecycle"
)

// runLog records the runs of a task on two replicas.
type runLog struct {
	mu   sync.Mutex
	runs []write // replica and fence of each run, in order
	ch   chan string

	inside, most atomic.Int32
}

func (l *runLog) fn(replica string) func(context.Context) error {
	return func(ctx context.Context) error {
		n := l.inside.Add(1)
		defer l.inside.Add(-1)
		for m := l.most.Load(); n > m && !l.most.CompareAndSwap(m, n); m = l.most.Load() {
		}
		f, _ := Fence(ctx)
		l.mu.Lock()
		l.runs = append(l.runs, write{f, replica})
		l.mu.Unlock()
		select {
		case l.ch <- replica:
		default:
		}
		return nil
	}
}

// await waits for n runs on replica.
func (l *runLog) await(t *testing.T, replica string, n int) {
	t.Helper()
	timeout := time.After(guard)
	for n > 0 {
		select {
		case r := <-l.ch:
			if r == replica {
				n--
			}
		case <-timeout:
			t.Fatalf("%s did not run", replica)
		}
	}
}

// A periodic task once per cluster: each replica runs a Task with a
// Lease of the same name; only the holder runs it, and when it shuts down
// (and gives the lease up) another replica takes over at its next tick.
func TestTaskOncePerCluster(t *testing.T) {
	addr := redistest.Start(t).Addr()
	log := &runLog{ch: make(chan string, 1)}
	tasks := map[string]*lifecycle.Task{}
	for _, replica := range []string{"a", "b"} {
		lease := newLease(t, newClient(t, addr), "sweep", WithTTL(2*time.Second))
		task, err := lifecycle.NewTask(20*time.Millisecond, log.fn(replica),
			lifecycle.WithRunAtStart(), lifecycle.WithLease(lease))
		if err != nil {
			t.Fatal(err)
		}
		tasks[replica] = task
	}
	ctx := context.Background()
	if err := tasks["a"].Start(ctx); err != nil {
		t.Fatal(err)
	}
	log.await(t, "a", 1) // a holds the lease before b starts
	if err := tasks["b"].Start(ctx); err != nil {
		t.Fatal(err)
	}
	log.await(t, "a", 5)
	if err := tasks["a"].Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	log.await(t, "b", 3)
	if err := tasks["b"].Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	if m := log.most.Load(); m != 1 {
		t.Errorf("%d runs at once across the replicas, want 1", m)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	first := log.runs[0]
	switched := false
	for i, r := range log.runs {
		switch {
		case r.holder == first.holder && !switched:
			if r.fence != first.fence {
				t.Errorf("run %d on %s with fence %d, want %d: one holding", i, r.holder, r.fence, first.fence)
			}
		case r.holder == "b" && r.fence > first.fence:
			switched = true
		default:
			t.Errorf("run %d on %s with fence %d after a's %d", i, r.holder, r.fence, first.fence)
		}
	}
	if !switched {
		t.Errorf("b never ran")
	}
	if st := tasks["b"].Stats(); st.NotHeld == 0 {
		t.Errorf("b's Stats() = %+v, want ticks at which a held the lease", st)
	}
}
