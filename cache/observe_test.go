package cache

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type loadKey struct{}

// loadLog records what an Observer sees, one line per load.
type loadLog struct {
	mu     sync.Mutex
	events []string
}

func (l *loadLog) Loading(ctx context.Context) context.Context {
	return context.WithValue(ctx, loadKey{}, "load")
}

func (l *loadLog) Loaded(ctx context.Context, elapsed time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf("%v %v: %v", ctx.Value(loadKey{}), elapsed, err))
}

func (l *loadLog) seen() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// TestObserverSeesEachLoad runs, in virtual time, a load that takes 30ms,
// a hit (not observed), a load failing after 10ms, a not-found and a
// panic: the observer sees each load with its time and error, and the
// loader gets the context Loading returned.
func TestObserverSeesEachLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &loadLog{}
		c := newCache(t, WithObserver(log))
		ctx := context.Background()
		boom := errors.New("boom")
		loader := func(d time.Duration, v string, err error) func(context.Context) (string, error) {
			return func(ctx context.Context) (string, error) {
				if ctx.Value(loadKey{}) != "load" {
					t.Errorf("the loader of %q did not get the observer's ctx", v)
				}
				time.Sleep(d)
				if v == "panic" {
					panic("bang")
				}
				return v, err
			}
		}
		steps := []struct {
			key  string
			load func(context.Context) (string, error)
		}{
			{"a", loader(30*time.Millisecond, "a", nil)},
			{"a", loader(time.Hour, "hit", nil)},
			{"b", loader(10*time.Millisecond, "", boom)},
			{"c", loader(0, "", ErrNotFound)},
			{"d", loader(0, "panic", nil)},
		}
		for _, s := range steps {
			_, _ = c.GetOrLoad(ctx, s.key, s.load)
		}
		want := []string{
			"load 30ms: <nil>",
			"load 10ms: boom",
			"load 0s: " + ErrNotFound.Error(),
			"load 0s: " + ErrLoaderPanicked.Error(),
		}
		if got := log.seen(); !slices.Equal(got, want) {
			t.Errorf("observed %q, want %q", got, want)
		}
		if st := c.Stats(); st.Loads != 4 || st.LoadErrors != 2 {
			t.Errorf("Stats() Loads, LoadErrors = %d, %d, want 4, 2", st.Loads, st.LoadErrors)
		}
	})
}

// TestObserverSeesRefresh checks that a background refresh is a load the
// observer sees.
func TestObserverSeesRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &loadLog{}
		c := newCache(t, WithObserver(log), WithLocalTTL(time.Minute), WithRemoteTTL(time.Minute),
			WithJitter(0), WithStaleGrace(time.Hour))
		ctx := context.Background()
		load := func(context.Context) (string, error) { return "v", nil }
		if _, err := c.GetOrLoad(ctx, "k", load); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Minute)
		if _, err := c.GetOrLoad(ctx, "k", load); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := log.seen(); len(got) != 2 {
			t.Errorf("observed %q, want the load and the refresh", got)
		}
	})
}

func TestWithObserverNil(t *testing.T) {
	_, err := New[string](WithObserver(nil))
	if err == nil || !strings.Contains(err.Error(), "WithObserver") {
		t.Errorf("New(WithObserver(nil)) = %v, want an error naming WithObserver", err)
	}
}

// slowLoading is a loadLog whose Loading takes 5ms.
type slowLoading struct{ loadLog }

func (l *slowLoading) Loading(ctx context.Context) context.Context {
	time.Sleep(5 * time.Millisecond)
	return l.loadLog.Loading(ctx)
}

// TestObserverElapsedIncludesLoading checks what Loaded's doc says: the
// elapsed time runs from the call of Loading, so it counts Loading's own
// time (5ms) with the loader's (30ms).
func TestObserverElapsedIncludesLoading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &slowLoading{}
		c := newCache(t, WithObserver(log))
		_, _ = c.GetOrLoad(context.Background(), "k", func(context.Context) (string, error) {
			time.Sleep(30 * time.Millisecond)
			return "v", nil
		})
		want := []string{"load 35ms: <nil>"}
		if got := log.seen(); !slices.Equal(got, want) {
			t.Errorf("observed %q, want %q", got, want)
		}
	})
}

// TestObserverSeesGoexit: a loader that calls runtime.Goexit is seen as
// ErrLoaderPanicked, once.
func TestObserverSeesGoexit(t *testing.T) {
	log := &loadLog{}
	c := newCache(t, WithObserver(log))
	_, err := c.GetOrLoad(context.Background(), "k", func(context.Context) (string, error) {
		runtime.Goexit()
		return "", nil
	})
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("GetOrLoad with a loader calling Goexit = %v, want a *PanicError", err)
	}
	got := log.seen()
	if len(got) != 1 || !strings.HasSuffix(got[0], ": "+ErrLoaderPanicked.Error()) {
		t.Errorf("observed %q, want one load ending in ErrLoaderPanicked", got)
	}
}
