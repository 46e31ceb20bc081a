package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

type itemKey struct{}

type itemLog struct {
	mu     sync.Mutex
	events []string
}

func (l *itemLog) Handling(ctx context.Context) context.Context {
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

func (s *sameCtx) Handling(ctx context.Context) context.Context {
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
