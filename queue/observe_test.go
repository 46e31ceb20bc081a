package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

type itemKey struct{}

type itemLog struct {
	mu     sync.Mutex
	events []string
}

func (l *itemLog) Handling(ctx context.Context, _ time.Duration) context.Context {
	return context.WithValue(ctx, itemKey{}, "item")
}

func (l *itemLog) Handled(ctx context.Context, elapsed time.Duration, err error) {
	if elapsed < 0 {
		err = fmt.Errorf("negative time %v", elapsed)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf("%v: %v", ctx.Value(itemKey{}), err))
}

func TestObserverSeesEachItem(t *testing.T) {
	log := &itemLog{}
	boom := errors.New("boom")
	p, err := NewPool(func(ctx context.Context, v int) error {
		if ctx.Value(itemKey{}) != "item" {
			t.Errorf("item %d: the handler did not get the observer's ctx", v)
		}
		switch v {
		case 1:
			return boom
		case 2:
			panic("bang")
		}
		return nil
	}, WithObserver(log), WithWorkers(1), WithOnError(func(int, error) {}))
	if err != nil {
		t.Fatal(err)
	}
	for v := range 3 {
		if err := p.Submit(context.Background(), v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"item: <nil>", "item: boom", "item: " + ErrHandlerPanicked.Error()}
	if !slices.Equal(log.events, want) {
		t.Errorf("observed %q, want %q", log.events, want)
	}
}

func TestWithObserverNil(t *testing.T) {
	_, err := NewPool(func(context.Context, int) error { return nil }, WithObserver(nil))
	if err == nil || !strings.Contains(err.Error(), "WithObserver") {
		t.Errorf("NewPool(WithObserver(nil)) = %v, want an error naming WithObserver", err)
	}
}

// sameCtx checks that Handled gets the very context Handling returned,
// not the item timeout's child of it (ended by the time a panic is seen).
type sameCtx struct {
	mu   sync.Mutex
	ctxs map[context.Context]bool
	bad  []string
}

func (s *sameCtx) Handling(ctx context.Context, _ time.Duration) context.Context {
	ctx = context.WithValue(ctx, itemKey{}, "item")
	s.mu.Lock()
	s.ctxs[ctx] = true
	s.mu.Unlock()
	return ctx
}

func (s *sameCtx) Handled(ctx context.Context, _ time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ctxs[ctx] {
		s.bad = append(s.bad, fmt.Sprintf("Handled(err %v) got a ctx Handling did not return (ctx.Err() = %v)", err, ctx.Err()))
	}
}

func TestObserverHandledGetsHandlingCtx(t *testing.T) {
	obs := &sameCtx{ctxs: map[context.Context]bool{}}
	p, err := NewPool(func(_ context.Context, v int) error {
		if v == 1 {
			panic("bang")
		}
		return nil
	}, WithObserver(obs), WithWorkers(1), WithItemTimeout(time.Hour), WithOnError(func(int, error) {}))
	if err != nil {
		t.Fatal(err)
	}
	for v := range 2 {
		if err := p.Submit(context.Background(), v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	for _, b := range obs.bad {
		t.Error(b)
	}
}

// timings records the waited and elapsed times an observer gets, by item.
type timings struct {
	mu      sync.Mutex
	waited  map[int]time.Duration
	elapsed map[int]time.Duration
}

// timed is what Handling puts in the handler's ctx: the handler fills in
// its item (see itemInto), so that Handled knows which item it saw.
type timed struct {
	item   int
	waited time.Duration
}

type timedKey struct{}

func newTimings() *timings {
	return &timings{waited: map[int]time.Duration{}, elapsed: map[int]time.Duration{}}
}

func (o *timings) Handling(ctx context.Context, waited time.Duration) context.Context {
	return context.WithValue(ctx, timedKey{}, &timed{waited: waited})
}

func (o *timings) Handled(ctx context.Context, elapsed time.Duration, _ error) {
	tm := ctx.Value(timedKey{}).(*timed)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waited[tm.item] = tm.waited
	o.elapsed[tm.item] = elapsed
}

func itemInto(ctx context.Context, v int) { ctx.Value(timedKey{}).(*timed).item = v }

// TestObserverWaited runs three 10ms items, submitted at once, on one
// worker: in virtual time they wait 0, 10 and 20ms, and each takes 10ms.
func TestObserverWaited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newTimings()
		p, err := NewPool(func(ctx context.Context, v int) error {
			itemInto(ctx, v)
			time.Sleep(10 * time.Millisecond)
			return nil
		}, WithObserver(obs), WithWorkers(1))
		if err != nil {
			t.Fatal(err)
		}
		for v := range 3 {
			if err := p.TrySubmit(v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		for v := range 3 {
			if got, want := obs.waited[v], time.Duration(v)*10*time.Millisecond; got != want {
				t.Errorf("item %d: waited = %v, want %v", v, got, want)
			}
			if got, want := obs.elapsed[v], 10*time.Millisecond; got != want {
				t.Errorf("item %d: elapsed = %v, want %v", v, got, want)
			}
		}
	})
}

// TestObserverWaitedCountsBlockedSubmit checks that the wait starts when
// Submit is called: an item whose Submit blocked 10ms on a full queue,
// and then queued 20ms more, waited 30ms.
func TestObserverWaitedCountsBlockedSubmit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newTimings()
		p, err := NewPool(func(ctx context.Context, v int) error {
			itemInto(ctx, v)
			time.Sleep(20 * time.Millisecond)
			return nil
		}, WithObserver(obs), WithWorkers(1), WithCapacity(1))
		if err != nil {
			t.Fatal(err)
		}
		// Item 0 runs 0-20ms, item 1 queues at 0 and runs 20-40ms; item 2's
		// Submit, at 10ms, blocks until 20ms and its item runs 40-60ms.
		ctx := context.Background()
		for v := range 2 {
			if err := p.Submit(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(10 * time.Millisecond)
		if err := p.Submit(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		want := map[int]time.Duration{0: 0, 1: 20 * time.Millisecond, 2: 30 * time.Millisecond}
		for v, w := range want {
			if got := obs.waited[v]; got != w {
				t.Errorf("item %d: waited = %v, want %v", v, got, w)
			}
		}
	})
}

// TestObserverWaitedIncludesRateLimit checks that the rate limiter's wait
// counts: at one item per 100ms, three items submitted at once wait 0,
// 100 and 200ms.
func TestObserverWaitedIncludesRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newTimings()
		p, err := NewPool(func(ctx context.Context, v int) error {
			itemInto(ctx, v)
			return nil
		}, WithObserver(obs), WithWorkers(1), WithRateLimit(rate.Every(100*time.Millisecond), 1))
		if err != nil {
			t.Fatal(err)
		}
		for v := range 3 {
			if err := p.TrySubmit(v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		for v := range 3 {
			if got, want := obs.waited[v], time.Duration(v)*100*time.Millisecond; got != want {
				t.Errorf("item %d: waited = %v, want %v", v, got, want)
			}
		}
	})
}
