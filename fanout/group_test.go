package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/internal/panics"
)

func newGroup(t *testing.T, ctx context.Context, opts ...fanout.Option) (*fanout.Group, context.Context) {
	t.Helper()
	g, gctx, err := fanout.New(ctx, opts...)
	if err != nil {
		t.Fatalf("New error = %v", err)
	}
	return g, gctx
}

func TestGroupRunsEveryTask(t *testing.T) {
	g, _ := newGroup(t, context.Background())
	var n atomic.Int64
	for range 200 {
		g.Go(func(context.Context) error {
			n.Add(1)
			return nil
		})
	}
	if err := g.Wait(); err != nil || n.Load() != 200 {
		t.Fatalf("Wait = %v after %d tasks, want nil after 200", err, n.Load())
	}
}

func TestGroupFirstError(t *testing.T) {
	for range 50 {
		g, ctx := newGroup(t, context.Background(), fanout.WithLimit(4))
		started := make(chan struct{}, 3)
		for range 3 {
			g.Go(func(ctx context.Context) error {
				started <- struct{}{}
				<-ctx.Done()
				return ctx.Err()
			})
		}
		g.Go(func(context.Context) error {
			for range 3 {
				<-started
			}
			return errBoom
		})
		if err := g.Wait(); err != errBoom {
			t.Fatalf("Wait = %v, want %v", err, errBoom)
		}
		if context.Cause(ctx) != errBoom {
			t.Fatalf("context.Cause(group ctx) = %v, want %v", context.Cause(ctx), errBoom)
		}
	}
}

func TestGroupLimitNeverExceeded(t *testing.T) {
	tests := []struct {
		opts []fanout.Option
		want int64
	}{
		{[]fanout.Option{fanout.WithLimit(1)}, 1},
		{[]fanout.Option{fanout.WithLimit(3)}, 3},
		{nil, fanout.DefaultLimit},
	}
	for _, tt := range tests {
		g, _ := newGroup(t, context.Background(), tt.opts...)
		var tr tracker
		for i := range 2000 {
			task := func(context.Context) error {
				tr.enter()
				defer tr.exit()
				runtime.Gosched()
				return nil
			}
			if i%2 == 0 {
				g.Go(task)
			} else if !g.TryGo(task) {
				g.Go(task)
			}
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		if got := tr.max.Load(); got > tt.want {
			t.Errorf("Group(limit %d): max running = %d", tt.want, got)
		}
	}
}

func TestGroupUnlimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := newGroup(t, t.Context(), fanout.WithLimit(fanout.Unlimited))
		const n = 100
		var started atomic.Int64
		all := make(chan struct{})
		for range n {
			g.Go(func(context.Context) error {
				if started.Add(1) == n {
					close(all)
				}
				<-all
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestGroupTryGo(t *testing.T) {
	g, _ := newGroup(t, context.Background(), fanout.WithLimit(2))
	release := make(chan struct{})
	block := func(context.Context) error {
		<-release
		return nil
	}
	for i := range 2 {
		if !g.TryGo(block) {
			t.Fatalf("TryGo #%d = false, want true below the limit", i+1)
		}
	}
	if g.TryGo(block) {
		t.Fatal("TryGo at the limit = true, want false")
	}
	close(release)
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestGroupStartsNothingOnceDone(t *testing.T) {
	g, ctx := newGroup(t, context.Background())
	g.Go(func(context.Context) error { return errBoom })
	<-ctx.Done()
	ran := false
	g.Go(func(context.Context) error {
		ran = true
		return nil
	})
	if g.TryGo(func(context.Context) error { ran = true; return nil }) {
		t.Error("TryGo on a failed group = true, want false")
	}
	if err := g.Wait(); err != errBoom || ran {
		t.Fatalf("Wait = %v, ran = %v, want %v, false", err, ran, errBoom)
	}
	g.Go(func(context.Context) error { ran = true; return nil })
	if ran {
		t.Fatal("Go after Wait started a task")
	}
}

// TestGroupGoWaitingOnFailure: a Go waiting for room when the group fails
// does not start its task.
func TestGroupGoWaitingOnFailure(t *testing.T) {
	g, _ := newGroup(t, context.Background(), fanout.WithLimit(1))
	release := make(chan struct{})
	g.Go(func(context.Context) error {
		<-release
		return errBoom
	})
	go close(release)
	var ran atomic.Bool
	g.Go(func(context.Context) error {
		ran.Store(true)
		return nil
	})
	if err := g.Wait(); err != errBoom || ran.Load() {
		t.Fatalf("Wait = %v, second task ran = %v, want %v, false", err, ran.Load(), errBoom)
	}
}

func TestGroupCollectAll(t *testing.T) {
	g, ctx := newGroup(t, context.Background(), fanout.WithCollectAll(), fanout.WithLimit(1))
	for i := range 6 {
		g.Go(func(ctx context.Context) error {
			if ctx.Err() != nil {
				return fmt.Errorf("task %d: cancelled", i)
			}
			if i%2 == 1 {
				return fmt.Errorf("task %d", i)
			}
			return nil
		})
	}
	err := g.Wait()
	if err == nil || err.Error() != "task 1\ntask 3\ntask 5" {
		t.Fatalf("Wait = %q, want the three failures joined", err)
	}
	if context.Cause(ctx) != err {
		t.Errorf("context.Cause(group ctx) = %v, want Wait's error", context.Cause(ctx))
	}
}

func TestGroupPanic(t *testing.T) {
	for _, opts := range [][]fanout.Option{nil, {fanout.WithCollectAll()}} {
		g, _ := newGroup(t, context.Background(), opts...)
		var canceled atomic.Int64
		started := make(chan struct{}, 3)
		for range 3 {
			g.Go(func(ctx context.Context) error {
				started <- struct{}{}
				<-ctx.Done()
				canceled.Add(1)
				return ctx.Err()
			})
		}
		g.Go(func(context.Context) error {
			for range 3 {
				<-started
			}
			panic("task bug")
		})
		err := g.Wait()
		wantPanic(t, err, "task bug")
		if canceled.Load() != 3 {
			t.Errorf("%d tasks saw the cancellation before Wait returned, want 3", canceled.Load())
		}
	}
}

func TestGroupGoexit(t *testing.T) {
	g, _ := newGroup(t, context.Background())
	g.Go(func(context.Context) error {
		runtime.Goexit()
		return nil
	})
	var pe *fanout.PanicError
	if err := g.Wait(); !errors.As(err, &pe) || pe.Value != panics.Goexit {
		t.Fatalf("Wait = %v, want a *PanicError for runtime.Goexit", err)
	}
}

func TestGroupParentCancel(t *testing.T) {
	shutdown := errors.New("shutdown")
	for _, opts := range [][]fanout.Option{nil, {fanout.WithCollectAll()}} {
		parent, cancel := context.WithCancelCause(context.Background())
		g, _ := newGroup(t, parent, opts...)
		g.Go(func(ctx context.Context) error {
			cancel(shutdown)
			<-ctx.Done()
			return fmt.Errorf("wrapped: %w", ctx.Err())
		})
		for range fanout.DefaultLimit + 1 {
			g.Go(func(ctx context.Context) error {
				<-ctx.Done()
				return nil
			})
		}
		err := g.Wait()
		if !errors.Is(err, shutdown) {
			t.Errorf("Wait(%d options) = %v, want %v", len(opts), err, shutdown)
		}
		if len(opts) == 0 && err != shutdown {
			t.Errorf("Wait = %v, want exactly %v", err, shutdown)
		}
	}
}

func TestGroupZeroValue(t *testing.T) {
	var g fanout.Group
	var tr tracker
	for range 500 {
		g.Go(func(ctx context.Context) error {
			tr.enter()
			defer tr.exit()
			runtime.Gosched()
			return ctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if tr.max.Load() > fanout.DefaultLimit {
		t.Errorf("zero Group: max running = %d, want <= %d", tr.max.Load(), fanout.DefaultLimit)
	}
	var empty fanout.Group
	if err := empty.Wait(); err != nil {
		t.Errorf("zero Group Wait = %v, want nil", err)
	}
}

func TestGroupBadInput(t *testing.T) {
	g, ctx, err := fanout.New(context.Background(), fanout.WithLimit(0))
	if g != nil || ctx != nil || err == nil || !strings.HasPrefix(err.Error(), "fanout: WithLimit:") {
		t.Errorf("New(WithLimit(0)) = %v, %v, %v, want nil, nil and a WithLimit error", g, ctx, err)
	}
	g, _ = newGroup(t, context.Background())
	g.Go(nil)
	if err := g.Wait(); err == nil || err.Error() != "fanout: Group.Go: f is nil" {
		t.Errorf("Wait after Go(nil) = %v, want the nil f error", err)
	}
	g, _ = newGroup(t, context.Background())
	if g.TryGo(nil) {
		t.Error("TryGo(nil) = true, want false")
	}
	if err := g.Wait(); err == nil || err.Error() != "fanout: Group.TryGo: f is nil" {
		t.Errorf("Wait after TryGo(nil) = %v, want the nil f error", err)
	}
}

func TestGroupTaskTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, ctx := newGroup(t, t.Context(), fanout.WithTaskTimeout(time.Second))
		start := time.Now()
		g.Go(func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		})
		if err := g.Wait(); err != context.DeadlineExceeded {
			t.Fatalf("Wait = %v, want %v", err, context.DeadlineExceeded)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("task timed out after %v, want 1s", d)
		}
		if _, ok := ctx.Deadline(); ok {
			t.Error("the group's context has a deadline, want only the tasks'")
		}
	})
}

func TestGroupWaitCancelsContext(t *testing.T) {
	g, ctx := newGroup(t, context.Background())
	g.Go(func(context.Context) error { return nil })
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != context.Canceled {
		t.Errorf("group ctx after Wait: Err = %v, want %v", ctx.Err(), context.Canceled)
	}
}
