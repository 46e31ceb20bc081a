package lifecycle

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/internal/panics"
)

// recorder records when each run started, as offsets from its creation,
// inside a synctest bubble.
type recorder struct {
	t0 time.Time

	mu     sync.Mutex
	starts []time.Duration

	running, most atomic.Int32 // runs in progress, and the most at once
}

func newRecorder() *recorder { return &recorder{t0: time.Now()} }

// run returns a task function that records its start, runs body, and
// tracks how many runs overlap.
func (r *recorder) run(body func(ctx context.Context, n int) error) func(context.Context) error {
	return func(ctx context.Context) error {
		n := r.running.Add(1)
		defer r.running.Add(-1)
		for m := r.most.Load(); n > m && !r.most.CompareAndSwap(m, n); m = r.most.Load() {
		}
		r.mu.Lock()
		r.starts = append(r.starts, time.Since(r.t0))
		i := len(r.starts)
		r.mu.Unlock()
		if body == nil {
			return nil
		}
		return body(ctx, i)
	}
}

func (r *recorder) got() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.starts)
}

func seconds(s ...int) []time.Duration {
	d := make([]time.Duration, len(s))
	for i, v := range s {
		d[i] = time.Duration(v) * time.Second
	}
	return d
}

// startTask builds and starts a task, failing t on error.
func startTask(t *testing.T, interval time.Duration, fn func(context.Context) error, opts ...TaskOption) *Task {
	t.Helper()
	task, err := NewTask(interval, fn, opts...)
	if err != nil {
		t.Fatalf("NewTask: %v", err)
	}
	if err := task.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return task
}

func shutdown(t *testing.T, task *Task) {
	t.Helper()
	if err := task.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v, want nil", err)
	}
}

func TestTaskSchedule(t *testing.T) {
	tests := []struct {
		name string
		opts []TaskOption
		want []time.Duration
	}{
		{"fixed", nil, seconds(10, 20, 30)},
		{"run at start", []TaskOption{WithRunAtStart()}, seconds(0, 10, 20, 30)},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			r := newRecorder()
			task := startTask(t, 10*time.Second, r.run(nil), tt.opts...)
			time.Sleep(35 * time.Second)
			shutdown(t, task)
			if got := r.got(); !slices.Equal(got, tt.want) {
				t.Errorf("%s: runs at %v, want %v", tt.name, got, tt.want)
			}
			if got := task.Stats().Runs; got != uint64(len(tt.want)) {
				t.Errorf("%s: Stats().Runs = %d, want %d", tt.name, got, len(tt.want))
			}
		})
	}
}

func TestTaskOverlap(t *testing.T) {
	tests := []struct {
		o           Overlap
		want        []time.Duration
		wantSkipped uint64
		wantDelayed uint64
	}{
		// The run at 10s lasts 25s: Skip drops the runs due at 20s and
		// 30s and goes on at 40s; Delay starts the next at 35s.
		{Skip, seconds(10, 40, 50, 60), 2, 0},
		{Delay, seconds(10, 35, 45, 55), 0, 1},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			r := newRecorder()
			slow := func(ctx context.Context, n int) error {
				if n == 1 {
					time.Sleep(25 * time.Second)
				}
				return nil
			}
			task := startTask(t, 10*time.Second, r.run(slow), WithOverlap(tt.o))
			time.Sleep(62 * time.Second)
			shutdown(t, task)
			if got := r.got(); !slices.Equal(got, tt.want) {
				t.Errorf("%v: runs at %v, want %v", tt.o, got, tt.want)
			}
			st := task.Stats()
			if st.Skipped != tt.wantSkipped || st.Delayed != tt.wantDelayed {
				t.Errorf("%v: Stats() = %+v, want Skipped %d, Delayed %d", tt.o, st, tt.wantSkipped, tt.wantDelayed)
			}
			if most := r.most.Load(); most != 1 {
				t.Errorf("%v: %d runs at once, want 1", tt.o, most)
			}
		})
	}
}

func TestTaskJitterBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval, jitter = 10 * time.Second, 0.5
		r := newRecorder()
		task := startTask(t, interval, r.run(nil), WithJitter(jitter), WithRunAtStart())
		time.Sleep(2000 * time.Second)
		shutdown(t, task)
		starts := r.got()
		if len(starts) < 150 {
			t.Fatalf("%d runs in 2000s, want about 200", len(starts))
		}
		lo, hi := 5*time.Second, 15*time.Second
		least, most := time.Duration(1<<62), time.Duration(0)
		for i := 1; i < len(starts); i++ {
			gap := starts[i] - starts[i-1]
			if gap < lo || gap > hi {
				t.Errorf("gap %d = %v, want within [%v, %v]", i, gap, lo, hi)
			}
			least, most = min(least, gap), max(most, gap)
		}
		// Each gap is uniform on [5s, 15s]: with some 200 of them, all
		// within [9s, 11s] would mean the jitter is not applied.
		if least > 9*time.Second || most < 11*time.Second {
			t.Errorf("gaps within [%v, %v], want them spread over [%v, %v]", least, most, lo, hi)
		}
	})
}

func TestTaskPanicKeepsSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRecorder()
		var reported []error
		var mu sync.Mutex
		boom := func(ctx context.Context, n int) error {
			if n == 1 {
				panic("boom")
			}
			return nil
		}
		task := startTask(t, 10*time.Second, r.run(boom), WithOnError(func(err error) {
			mu.Lock()
			defer mu.Unlock()
			reported = append(reported, err)
		}))
		time.Sleep(25 * time.Second)
		shutdown(t, task)
		if got, want := r.got(), seconds(10, 20); !slices.Equal(got, want) {
			t.Errorf("runs at %v, want %v", got, want)
		}
		mu.Lock()
		defer mu.Unlock()
		var pe *PanicError
		if len(reported) != 1 || !errors.As(reported[0], &pe) {
			t.Fatalf("reported %v, want one *PanicError", reported)
		}
		if pe.Value != "boom" || !bytes.Contains(pe.Stack, []byte("TestTaskPanicKeepsSchedule")) {
			t.Errorf("PanicError = %v with stack\n%s\nwant boom from the test", pe.Value, pe.Stack)
		}
		if st := task.Stats(); st.Runs != 2 || st.Failed != 1 {
			t.Errorf("Stats() = %+v, want 2 runs, 1 failed", st)
		}
	})
}

func TestTaskShutdownCancelsRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cause error
		task := startTask(t, time.Second, func(ctx context.Context) error {
			<-ctx.Done()
			cause = context.Cause(ctx)
			return ctx.Err()
		}, WithRunAtStart())
		synctest.Wait() // the first run is waiting on its ctx
		shutdown(t, task)
		if !errors.Is(cause, ErrShutdownStarted) {
			t.Errorf("run's ctx cause = %v, want ErrShutdownStarted", cause)
		}
	})
}

func TestTaskFinalRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRecorder()
		var left time.Duration
		flush := func(ctx context.Context, n int) error {
			if d, ok := ctx.Deadline(); ok {
				left = time.Until(d)
			}
			return errors.New("flush failed")
		}
		task := startTask(t, 10*time.Second, r.run(flush), WithFinalRun())
		time.Sleep(15 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := task.Shutdown(ctx); err == nil || err.Error() != "flush failed" {
			t.Errorf("Shutdown = %v, want the final run's error", err)
		}
		if got, want := r.got(), seconds(10, 15); !slices.Equal(got, want) {
			t.Errorf("runs at %v, want %v (the last one the final run)", got, want)
		}
		if left != 3*time.Second {
			t.Errorf("final run had %v left, want the shutdown's 3s", left)
		}
		// A second Shutdown returns the first one's result and runs nothing.
		if err := task.Shutdown(context.Background()); err == nil || err.Error() != "flush failed" {
			t.Errorf("second Shutdown = %v, want the first one's error", err)
		}
		if got := task.Stats().Runs; got != 2 {
			t.Errorf("Stats().Runs = %d after two Shutdowns, want 2", got)
		}
	})
}

func TestTaskFinalRunBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		task, err := NewTask(time.Second, func(ctx context.Context) error {
			<-ctx.Done() // a flush that takes longer than the shutdown allows
			return ctx.Err()
		}, WithFinalRun())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := task.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
		}
		if took := time.Since(start); took != 2*time.Second {
			t.Errorf("Shutdown took %v, want the 2s deadline", took)
		}
	})
}

func TestTaskShutdownCutShort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		task := startTask(t, time.Second, func(ctx context.Context) error {
			<-release // ignores its ctx
			return nil
		}, WithRunAtStart(), WithFinalRun())
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := task.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
		}
		if got := task.Stats().Runs; got != 1 {
			t.Errorf("Stats().Runs = %d, want 1: no final run once the deadline passed", got)
		}
		close(release)
	})
}

func TestTaskStartErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		task, err := NewTask(time.Second, func(context.Context) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		var nilCtx context.Context
		if err := task.Start(nilCtx); err == nil || err.Error() != "lifecycle: Task.Start: nil Context" {
			t.Errorf("Start(nil) = %v, want a nil Context error", err)
		}
		if err := task.Shutdown(nilCtx); err == nil || err.Error() != "lifecycle: Task.Shutdown: nil Context" {
			t.Errorf("Shutdown(nil) = %v, want a nil Context error", err)
		}
		if err := task.Start(context.Background()); err != nil {
			t.Fatalf("Start = %v", err)
		}
		if err := task.Start(context.Background()); !errors.Is(err, ErrStarted) {
			t.Errorf("second Start = %v, want ErrStarted", err)
		}
		shutdown(t, task)
		if err := task.Start(context.Background()); !errors.Is(err, ErrShutdownStarted) {
			t.Errorf("Start after Shutdown = %v, want ErrShutdownStarted", err)
		}
	})
}

func TestTaskStopsWithStartCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		r := newRecorder()
		task, err := NewTask(10*time.Second, r.run(nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := task.Start(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Second)
		cancel()
		time.Sleep(30 * time.Second)
		if got, want := r.got(), seconds(10); !slices.Equal(got, want) {
			t.Errorf("runs at %v, want %v: none after ctx was cancelled", got, want)
		}
		shutdown(t, task)
	})
}

func TestTaskGoexitKeepsSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRecorder()
		errs := make(chan error, 2)
		task := startTask(t, 10*time.Second, r.run(func(_ context.Context, n int) error {
			if n == 1 {
				runtime.Goexit()
			}
			return nil
		}), WithOnError(func(err error) { errs <- err }))
		time.Sleep(25 * time.Second)
		shutdown(t, task)
		if got, want := r.got(), seconds(10, 20); !slices.Equal(got, want) {
			t.Errorf("runs at %v, want %v", got, want)
		}
		var pe *PanicError
		if err := <-errs; !errors.As(err, &pe) || pe.Value != panics.Goexit {
			t.Errorf("reported %v, want a *PanicError naming runtime.Goexit", err)
		}
	})
}

func TestTaskRunCtxValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type key struct{}
		got := make(chan any, 1)
		task, err := NewTask(time.Second, func(ctx context.Context) error {
			got <- ctx.Value(key{})
			return nil
		}, WithRunAtStart())
		if err != nil {
			t.Fatal(err)
		}
		if err := task.Start(context.WithValue(context.Background(), key{}, "request-id")); err != nil {
			t.Fatal(err)
		}
		if v := <-got; v != "request-id" {
			t.Errorf("run's ctx value = %v, want the Start ctx's", v)
		}
		shutdown(t, task)
	})
}
