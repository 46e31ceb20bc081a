package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
)

// calls records, for a hedged fn, when each attempt started and how each
// one ended.
type calls struct {
	start   time.Time
	mu      sync.Mutex
	starts  []time.Duration
	cancels []int // attempts that saw their context cancelled
}

func newCalls() *calls { return &calls{start: time.Now()} }

// fn returns a hedged function whose attempt n does plan[n]: it returns
// after plan[n].after with plan[n].err, or blocks until cancelled when
// plan[n].after is negative.
func (c *calls) fn(plan ...step) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		c.mu.Lock()
		n := len(c.starts)
		c.starts = append(c.starts, time.Since(c.start))
		c.mu.Unlock()
		p := plan[n]
		if p.after < 0 {
			<-ctx.Done()
			c.mu.Lock()
			c.cancels = append(c.cancels, n)
			c.mu.Unlock()
			return "", ctx.Err()
		}
		select {
		case <-time.After(p.after):
			if p.err != nil {
				return "", p.err
			}
			return fmt.Sprintf("attempt %d", n), nil
		case <-ctx.Done():
			c.mu.Lock()
			c.cancels = append(c.cancels, n)
			c.mu.Unlock()
			return "", ctx.Err()
		}
	}
}

type step struct {
	after time.Duration // < 0: until cancelled
	err   error
}

var hang = step{after: -1}

func TestHedge(t *testing.T) {
	const d = 100 * time.Millisecond
	errA, errB, errC := errors.New("a"), errors.New("b"), errors.New("c")
	tests := []struct {
		name        string
		plan        []step
		opts        []fanout.HedgeOption
		delay       time.Duration
		want        string
		wantErr     error
		wantStarts  []time.Duration
		wantCancels []int
		took        time.Duration
	}{
		{
			name: "first answers in time", delay: d,
			plan: []step{{after: 50 * time.Millisecond}},
			want: "attempt 0", wantStarts: []time.Duration{0}, took: 50 * time.Millisecond,
		},
		{
			name: "backup after exactly the delay wins", delay: d,
			plan: []step{hang, {after: 10 * time.Millisecond}},
			want: "attempt 1", wantStarts: []time.Duration{0, d}, wantCancels: []int{0}, took: d + 10*time.Millisecond,
		},
		{
			name: "first still wins after the backup started", delay: d,
			plan: []step{{after: 150 * time.Millisecond}, {after: time.Second}},
			want: "attempt 0", wantStarts: []time.Duration{0, d}, wantCancels: []int{1}, took: 150 * time.Millisecond,
		},
		{
			name: "a backup each delay up to the maximum", delay: d, opts: []fanout.HedgeOption{fanout.WithMaxAttempts(4)},
			plan: []step{hang, hang, hang, {after: 30 * time.Millisecond}},
			want: "attempt 3", wantStarts: []time.Duration{0, d, 2 * d, 3 * d}, wantCancels: []int{0, 1, 2},
			took: 3*d + 30*time.Millisecond,
		},
		{
			name: "a failure starts the next attempt at once", delay: d, opts: []fanout.HedgeOption{fanout.WithMaxAttempts(3)},
			plan: []step{{after: 10 * time.Millisecond, err: errA}, hang, {after: 0}},
			want: "attempt 2", wantStarts: []time.Duration{0, 10 * time.Millisecond, 10*time.Millisecond + d},
			wantCancels: []int{1}, took: 10*time.Millisecond + d,
		},
		{
			name: "all fail", delay: d, opts: []fanout.HedgeOption{fanout.WithMaxAttempts(3)},
			plan:    []step{{after: 250 * time.Millisecond, err: errA}, {after: 20 * time.Millisecond, err: errB}, {after: 10 * time.Millisecond, err: errC}},
			wantErr: errors.Join(errA, errB, errC), wantStarts: []time.Duration{0, d, 120 * time.Millisecond},
			took: 250 * time.Millisecond,
		},
		{
			name: "delay 0 starts every attempt at once", delay: 0, opts: []fanout.HedgeOption{fanout.WithMaxAttempts(3)},
			plan: []step{hang, {after: 5 * time.Millisecond}, hang},
			want: "attempt 1", wantStarts: []time.Duration{0, 0, 0}, wantCancels: []int{0, 2}, took: 5 * time.Millisecond,
		},
		{
			name: "a maximum far above the attempts made", delay: d, opts: []fanout.HedgeOption{fanout.WithMaxAttempts(math.MaxInt)},
			plan: []step{hang, hang, {after: 10 * time.Millisecond}},
			want: "attempt 2", wantStarts: []time.Duration{0, d, 2 * d}, wantCancels: []int{0, 1}, took: 2*d + 10*time.Millisecond,
		},
		{
			name: "one attempt: no hedging", delay: d, opts: []fanout.HedgeOption{fanout.WithMaxAttempts(1)},
			plan:    []step{{after: time.Second, err: errA}},
			wantErr: errA, wantStarts: []time.Duration{0}, took: time.Second,
		},
		{
			name: "per-attempt timeout", delay: d, opts: []fanout.HedgeOption{fanout.WithTaskTimeout(30 * time.Millisecond)},
			plan:    []step{hang, hang},
			wantErr: errors.Join(context.DeadlineExceeded, context.DeadlineExceeded), wantStarts: []time.Duration{0, 30 * time.Millisecond},
			wantCancels: []int{0, 1}, took: 60 * time.Millisecond,
		},
	}
	for _, mode := range hedgeModes {
		for _, tt := range tests {
			synctest.Test(t, func(t *testing.T) {
				c := newCalls()
				clock := &timeClock{}
				opts := mode.opts(clock, tt.opts...)
				got, err := fanout.Hedge(t.Context(), c.fn(tt.plan...), tt.delay, opts...)
				took := time.Since(c.start)
				if got != tt.want || fmt.Sprint(err) != fmt.Sprint(tt.wantErr) {
					t.Errorf("%s, %s: Hedge = %q, %v, want %q, %v", mode.name, tt.name, got, err, tt.want, tt.wantErr)
				}
				if gos := int(clock.gos.Load()); mode.clocked && gos != len(tt.wantStarts) {
					t.Errorf("%s, %s: goroutines started with Clock.Go = %d, want one per attempt, %d", mode.name, tt.name, gos, len(tt.wantStarts))
				}
				if !slices.Equal(c.starts, tt.wantStarts) {
					t.Errorf("%s, %s: attempts started at %v, want %v", mode.name, tt.name, c.starts, tt.wantStarts)
				}
				// Hedge has returned: every loser has seen its cancellation.
				slices.Sort(c.cancels)
				if !slices.Equal(c.cancels, tt.wantCancels) {
					t.Errorf("%s, %s: attempts cancelled %v, want %v", mode.name, tt.name, c.cancels, tt.wantCancels)
				}
				if took != tt.took {
					t.Errorf("%s, %s: Hedge took %v, want %v", mode.name, tt.name, took, tt.took)
				}
			})
		}
	}
}

// hedgeMode is package time or a Clock: every Hedge test runs in both
// (timeClock is package time behind the Clock interface, so that the same
// synctest timings hold), so that the two share one behaviour.
type hedgeMode struct {
	name    string
	clocked bool
}

var hedgeModes = []hedgeMode{{"package time", false}, {"Clock", true}}

// opts returns opts, with WithClock(c) in the Clock mode.
func (m hedgeMode) opts(c fanout.Clock, opts ...fanout.HedgeOption) []fanout.HedgeOption {
	if !m.clocked {
		return opts
	}
	return append(slices.Clone(opts), fanout.WithClock(c))
}

// timeClock is package time as a fanout.Clock, counting the goroutines it
// starts.
type timeClock struct {
	gos atomic.Int64
}

func (*timeClock) Now() time.Time { return time.Now() }
func (*timeClock) AfterFunc(d time.Duration, f func()) interface{ Stop() bool } {
	return time.AfterFunc(d, f)
}
func (c *timeClock) Go(f func()) {
	c.gos.Add(1)
	go f()
}
func (*timeClock) Wait(ch <-chan struct{}) { <-ch }

func TestHedgeAllFailJoinsErrors(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	for _, mode := range hedgeModes {
		synctest.Test(t, func(t *testing.T) {
			c := newCalls()
			_, err := fanout.Hedge(t.Context(), c.fn(step{err: errA}, step{err: errB}), time.Second, mode.opts(&timeClock{})...)
			if !errors.Is(err, errA) || !errors.Is(err, errB) {
				t.Errorf("%s: Hedge error = %v, want both failures", mode.name, err)
			}
		})
	}
}

func TestHedgeParentCancel(t *testing.T) {
	shutdown := errors.New("shutdown")
	for _, mode := range hedgeModes {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(t.Context())
			time.AfterFunc(250*time.Millisecond, func() { cancel(shutdown) })
			c := newCalls()
			_, err := fanout.Hedge(ctx, c.fn(hang, hang, hang), 100*time.Millisecond, mode.opts(&timeClock{}, fanout.WithMaxAttempts(3))...)
			if err != shutdown {
				t.Errorf("%s: Hedge error = %v, want %v", mode.name, err, shutdown)
			}
			slices.Sort(c.cancels)
			if !slices.Equal(c.cancels, []int{0, 1, 2}) {
				t.Errorf("%s: attempts cancelled %v, want all three", mode.name, c.cancels)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	_, err := fanout.Hedge(ctx, func(context.Context) (int, error) { called = true; return 1, nil }, 0)
	if err != context.Canceled || called {
		t.Errorf("Hedge(done ctx) = %v, called %v, want %v, false", err, called, context.Canceled)
	}
}

func TestHedgePanic(t *testing.T) {
	for _, mode := range hedgeModes {
		synctest.Test(t, func(t *testing.T) {
			c := newCalls()
			hedged := c.fn(hang)
			var n atomic.Int64
			_, err := fanout.Hedge(t.Context(), func(ctx context.Context) (string, error) {
				if n.Add(1) == 2 {
					panic("hedge bug")
				}
				return hedged(ctx)
			}, time.Millisecond, mode.opts(&timeClock{})...)
			wantPanic(t, err, "hedge bug")
			if !slices.Equal(c.cancels, []int{0}) {
				t.Errorf("%s: attempts cancelled %v, want the first", mode.name, c.cancels)
			}
		})
	}
}

func TestHedgeBadInput(t *testing.T) {
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"negative delay", second(fanout.Hedge(ctx, ok, -time.Second)), "fanout: Hedge: delay must be >= 0, got -1s"},
		{"nil fn", second(fanout.Hedge[int](ctx, nil, time.Second)), "fanout: Hedge: fn is nil"},
		{"max attempts 0", second(fanout.Hedge(ctx, ok, time.Second, fanout.WithMaxAttempts(0))),
			"fanout: WithMaxAttempts: attempts must be >= 1, got 0"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("Hedge(%s) error = %v, want %q", tt.name, tt.err, tt.want)
		}
	}
}

func second[V any](_ V, err error) error { return err }

// TestHedgePanicAfterCancel checks that a panic in a call whose context is
// already done (the parent ended, or another call won and Hedge cancelled
// the rest) is still returned as a *PanicError, as Map and Group return it,
// rather than lost behind context.Cause(ctx) or the winner's value.
func TestHedgePanicAfterCancel(t *testing.T) {
	for _, mode := range hedgeModes {
		t.Run(mode.name+"/parent done", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				time.AfterFunc(time.Second, cancel)
				_, err := fanout.Hedge(ctx, func(ctx context.Context) (int, error) {
					<-ctx.Done()
					panic("on cancel")
				}, time.Hour, mode.opts(&timeClock{})...)
				if pe := new(fanout.PanicError); !errors.As(err, &pe) || pe.Value != "on cancel" {
					t.Errorf("Hedge(parent cancelled, fn panics) error = %v, want a *PanicError", err)
				}
			})
		})
		t.Run(mode.name+"/after a win", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var n atomic.Int64
				v, err := fanout.Hedge(t.Context(), func(ctx context.Context) (int, error) {
					if n.Add(1) == 1 {
						<-ctx.Done()
						panic("loser")
					}
					return 2, nil
				}, time.Second, mode.opts(&timeClock{})...)
				if pe := new(fanout.PanicError); !errors.As(err, &pe) || pe.Value != "loser" || v != 0 {
					t.Errorf("Hedge(loser panics once cancelled) = %v, %v, want 0 and a *PanicError", v, err)
				}
			})
		})
	}
}
