package breaker

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

var errBoom = errors.New("boom")

func succeed(context.Context) error { return nil }

func fail(context.Context) error { return errBoom }

// after returns a fn that takes d (of fake time, in a synctest bubble) and
// returns err.
func after(d time.Duration, err error) func(context.Context) error {
	return func(context.Context) error {
		time.Sleep(d)
		return err
	}
}

func mustNew(t *testing.T, opts ...Option) *Breaker {
	t.Helper()
	b, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

// run calls b.Do with fn n times.
func run(t *testing.T, b *Breaker, n int, fn func(context.Context) error) {
	t.Helper()
	for range n {
		_ = b.Do(context.Background(), fn)
	}
}

// wantState fails the test unless b is in state want.
func wantState(t *testing.T, b *Breaker, want State) {
	t.Helper()
	if got := b.State(); got != want {
		t.Fatalf("State() = %v, want %v", got, want)
	}
}

// wantRejected fails the test unless err is an *OpenError in state with
// retryAfter.
func wantRejected(t *testing.T, err error, state State, retryAfter time.Duration) {
	t.Helper()
	var oe *OpenError
	if !errors.As(err, &oe) || !errors.Is(err, ErrOpen) {
		t.Fatalf("err = %v, want an *OpenError matching ErrOpen", err)
	}
	if oe.State != state || oe.Wait != retryAfter {
		t.Fatalf("OpenError = {State: %v, Wait: %v}, want {%v, %v}", oe.State, oe.Wait, state, retryAfter)
	}
}

// recorder collects the changes reported to a WithOnStateChange hook.
type recorder struct {
	mu      sync.Mutex
	changes []change
}

func (r *recorder) option() Option {
	return WithOnStateChange(func(_ string, from, to State) {
		r.mu.Lock()
		r.changes = append(r.changes, change{from, to})
		r.mu.Unlock()
	})
}

// want fails the test unless the changes recorded are want.
func (r *recorder) want(t *testing.T, want ...change) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(r.changes, want) {
		t.Fatalf("changes = %v, want %v", r.changes, want)
	}
}
