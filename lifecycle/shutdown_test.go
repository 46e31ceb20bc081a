package lifecycle

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func newShutdown(t *testing.T, opts ...ShutdownOption) *Shutdown {
	t.Helper()
	s, err := NewShutdown(opts...)
	if err != nil {
		t.Fatalf("NewShutdown: %v", err)
	}
	return s
}

func add(t *testing.T, s *Shutdown, name string, fn func(context.Context) error, opts ...StageOption) {
	t.Helper()
	if err := s.Add(name, fn, opts...); err != nil {
		t.Fatalf("Add(%q) = %v", name, err)
	}
}

// budgetOf records the time left on a stage's ctx when it starts.
func budgetOf(into *time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		d, _ := ctx.Deadline()
		*into = time.Until(d)
		return nil
	}
}

func TestShutdownOrderAndBudgets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newShutdown(t, WithTimeout(10*time.Second))
		var order []string
		var left time.Duration
		errCache := errors.New("cache flush failed")
		add(t, s, "http", func(ctx context.Context) error {
			order = append(order, "http")
			time.Sleep(3 * time.Second)
			return nil
		})
		add(t, s, "workers", func(ctx context.Context) error {
			order = append(order, "workers")
			<-ctx.Done() // would take longer than its share
			return ctx.Err()
		}, WithShare(0.2))
		add(t, s, "cache", func(ctx context.Context) error {
			order = append(order, "cache")
			_ = budgetOf(&left)(ctx)
			return errCache
		})
		start := time.Now()
		r, err := s.Run(context.Background())
		if want := []string{"http", "workers", "cache"}; !slices.Equal(order, want) {
			t.Errorf("stages ran in order %v, want %v", order, want)
		}
		if !r.Deadline.Equal(start.Add(10 * time.Second)) {
			t.Errorf("Deadline = %v after the start, want 10s", r.Deadline.Sub(start))
		}
		want := []StageReport{
			{Name: "http", Budget: 10 * time.Second, Duration: 3 * time.Second},
			{Name: "workers", Budget: 2 * time.Second, Duration: 2 * time.Second, Err: context.DeadlineExceeded, CutShort: true},
			{Name: "cache", Budget: 5 * time.Second, Err: errCache},
		}
		if !slices.Equal(r.Stages, want) {
			t.Errorf("Run report =\n%+v\nwant\n%+v", r.Stages, want)
		}
		if left != 5*time.Second {
			t.Errorf("cache stage had %v left, want 5s", left)
		}
		if r.Elapsed != 5*time.Second || !r.CutShort() {
			t.Errorf("Elapsed = %v, CutShort() = %v, want 5s, true", r.Elapsed, r.CutShort())
		}
		var se *StageError
		if !errors.Is(err, errCache) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &se) {
			t.Fatalf("Run = %v, want the workers' and cache's errors as *StageError", err)
		}
		if se.Name != "workers" || !se.CutShort {
			t.Errorf("first StageError = %+v, want workers, cut short", se)
		}
	})
}

func TestShutdownStagesRunPastDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newShutdown(t, WithTimeout(5*time.Second))
		add(t, s, "stubborn", func(ctx context.Context) error {
			time.Sleep(20 * time.Second) // ignores its ctx
			return nil
		})
		closed := false
		add(t, s, "redis", Closer(closerFunc(func() error { closed = true; return nil })))
		r, err := s.Run(context.Background())
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		if !closed {
			t.Errorf("the Closer stage did not run after the deadline")
		}
		want := []StageReport{
			{Name: "stubborn", Budget: 5 * time.Second, Duration: 20 * time.Second, CutShort: true},
			{Name: "redis", Budget: 0, CutShort: true},
		}
		if !slices.Equal(r.Stages, want) {
			t.Errorf("report =\n%+v\nwant\n%+v", r.Stages, want)
		}
	})
}

func TestShutdownShareOfWhatRemains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newShutdown(t, WithTimeout(10*time.Second))
		var first, second time.Duration
		add(t, s, "a", budgetOf(&first), WithShare(0.5))
		add(t, s, "slow", func(context.Context) error { time.Sleep(9 * time.Second); return nil })
		add(t, s, "b", budgetOf(&second), WithShare(0.5))
		r, err := s.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if first != 5*time.Second || second != time.Second {
			t.Errorf("budgets = %v, %v, want 5s (half of 10s), 1s (all that is left)", first, second)
		}
		if got := r.Stages[2].Budget; got != time.Second {
			t.Errorf("Report budget of b = %v, want 1s (all that is left)", got)
		}
	})
}

func TestShutdownCtxDeadlineSooner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newShutdown(t, WithTimeout(10*time.Second))
		var left time.Duration
		add(t, s, "a", budgetOf(&left))
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if _, err := s.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if left != 3*time.Second {
			t.Errorf("budget = %v, want ctx's 3s", left)
		}
	})
}

func TestShutdownIdempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newShutdown(t)
		calls := 0
		add(t, s, "slow", func(context.Context) error {
			calls++
			time.Sleep(time.Second)
			return errFailed
		})
		var wg sync.WaitGroup
		reports := make([]Report, 3)
		errs := make([]error, 3)
		for i := range 3 {
			wg.Go(func() { reports[i], errs[i] = s.Run(context.Background()) })
		}
		// A caller whose own ctx ends first gets its ctx's error.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		synctest.Wait()
		if _, err := s.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Run with a short ctx during the shutdown = %v, want DeadlineExceeded", err)
		}
		wg.Wait()
		if calls != 1 {
			t.Errorf("stage ran %d times, want 1", calls)
		}
		for i := range 3 {
			if !errors.Is(errs[i], errFailed) || !slices.Equal(reports[i].Stages, reports[0].Stages) {
				t.Errorf("Run %d = %+v, %v, want the one report and errFailed", i, reports[i], errs[i])
			}
		}
	})
}

func TestShutdownAddAfterBegun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newShutdown(t)
		var during error
		add(t, s, "a", func(context.Context) error {
			during = s.Add("late", func(context.Context) error { return nil })
			return nil
		})
		r, _ := s.Run(context.Background())
		if !errors.Is(during, ErrShutdownStarted) || !strings.Contains(during.Error(), `"late"`) {
			t.Errorf("Add during Run = %v, want ErrShutdownStarted naming the stage", during)
		}
		if err := s.Add("later", func(context.Context) error { return nil }); !errors.Is(err, ErrShutdownStarted) {
			t.Errorf("Add after Run = %v, want ErrShutdownStarted", err)
		}
		if len(r.Stages) != 1 {
			t.Errorf("%d stages ran, want 1", len(r.Stages))
		}
		select {
		case <-s.Begun():
		default:
			t.Errorf("Begun() not closed after Run")
		}
	})
}

func TestShutdownPanickingStage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newShutdown(t)
		add(t, s, "broken", func(context.Context) error { panic("boom") })
		ran := false
		add(t, s, "next", func(context.Context) error { ran = true; return nil })
		_, err := s.Run(context.Background())
		var pe *PanicError
		if !errors.As(err, &pe) || pe.Value != "boom" {
			t.Errorf("Run = %v, want a *PanicError for boom", err)
		}
		if !ran {
			t.Errorf("the stage after a panic did not run")
		}
	})
}

func TestShutdownBadInput(t *testing.T) {
	s := newShutdown(t)
	ok := func(context.Context) error { return nil }
	var nilCtx context.Context
	_, runErr := s.Run(nilCtx)
	tests := []struct {
		err  error
		want string
	}{
		{s.Add("", ok), "lifecycle: Shutdown.Add: empty stage name"},
		{s.Add("x", nil), `lifecycle: Shutdown.Add: nil function for stage "x"`},
		{s.Add("http", HTTPServer(nil)), `lifecycle: Shutdown.Add: nil function for stage "http"`},
		{s.Add("pool", Shutdowner(nil)), `lifecycle: Shutdown.Add: nil function for stage "pool"`},
		{s.Add("redis", Closer(nil)), `lifecycle: Shutdown.Add: nil function for stage "redis"`},
		{s.Add("x", ok, WithShare(0)), "lifecycle: WithShare: share must be in (0, 1], got 0"},
		{s.Add("x", ok, WithShare(1.5)), "lifecycle: WithShare: share must be in (0, 1], got 1.5"},
		{s.Add("x", ok, WithShare(math.NaN())), "lifecycle: WithShare: share must be in (0, 1], got NaN"},
		{s.Add("x", ok, nil), "lifecycle: nil Option"},
		{runErr, "lifecycle: Shutdown.Run: nil Context"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("err = %v, want %q", tt.err, tt.want)
		}
	}
	// The refused stages were not added, and a nil-ctx Run did not start it.
	if r, err := s.Run(context.Background()); err != nil || len(r.Stages) != 0 {
		t.Errorf("Run = %+v, %v, want no stage and nil", r, err)
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
