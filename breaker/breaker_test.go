package breaker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestDefaults(t *testing.T) {
	b := mustNew(t)
	wantState(t, b, StateClosed)
	run(t, b, DefaultConsecutiveFailures-1, fail)
	wantState(t, b, StateClosed)
	run(t, b, 1, fail)
	wantState(t, b, StateOpen)
	err := b.Do(context.Background(), succeed)
	var oe *OpenError
	if !errors.As(err, &oe) || oe.Wait <= 0 || oe.Wait > DefaultOpenDuration {
		t.Fatalf("Do = %v, want an *OpenError with Wait in (0, %v]", err, DefaultOpenDuration)
	}
}

// TestCycle walks every automatic transition: closed to open, open to
// half-open, half-open to open, and half-open to closed.
func TestCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var r recorder
		b := mustNew(t, WithConsecutiveFailures(2), WithOpenDuration(10*time.Second), r.option())
		ctx := context.Background()

		run(t, b, 1, fail)
		wantState(t, b, StateClosed)
		run(t, b, 1, fail)
		wantState(t, b, StateOpen)
		wantRejected(t, b.Do(ctx, succeed), StateOpen, 10*time.Second)

		time.Sleep(4 * time.Second)
		wantRejected(t, b.Do(ctx, succeed), StateOpen, 6*time.Second)

		time.Sleep(6 * time.Second)
		if err := b.Do(ctx, fail); !errors.Is(err, errBoom) {
			t.Fatalf("probe: Do = %v, want %v", err, errBoom)
		}
		wantState(t, b, StateOpen) // the failed probe reopened it
		wantRejected(t, b.Do(ctx, succeed), StateOpen, 10*time.Second)

		time.Sleep(10 * time.Second)
		if err := b.Do(ctx, succeed); err != nil {
			t.Fatalf("probe: Do = %v, want nil", err)
		}
		wantState(t, b, StateClosed)
		r.want(t,
			change{StateClosed, StateOpen},
			change{StateOpen, StateHalfOpen},
			change{StateHalfOpen, StateOpen},
			change{StateOpen, StateHalfOpen},
			change{StateHalfOpen, StateClosed},
		)
		if got := b.Stats().Trips; got != 2 {
			t.Fatalf("Stats().Trips = %d, want 2", got)
		}
	})
}

func TestStateMovesToHalfOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(time.Second))
		run(t, b, 1, fail)
		time.Sleep(time.Second - time.Nanosecond)
		wantState(t, b, StateOpen)
		time.Sleep(time.Nanosecond)
		wantState(t, b, StateHalfOpen)
	})
}

func TestSuccessResetsConsecutive(t *testing.T) {
	b := mustNew(t, WithConsecutiveFailures(3))
	for range 10 {
		run(t, b, 2, fail)
		run(t, b, 1, succeed)
	}
	wantState(t, b, StateClosed)
	run(t, b, 2, fail)
	if got := b.Stats().ConsecutiveFailures; got != 2 {
		t.Fatalf("Stats().ConsecutiveFailures = %d, want 2", got)
	}
}

func TestHalfOpenSuccesses(t *testing.T) {
	tests := []struct {
		probes, successes int
		outcomes          []error // of the probes, in order
		want              State
	}{
		{1, 1, []error{nil}, StateClosed},
		{3, 3, []error{nil, nil}, StateHalfOpen},
		{3, 3, []error{nil, nil, nil}, StateClosed},
		{3, 2, []error{nil, nil}, StateClosed},
		{3, 3, []error{nil, errBoom}, StateOpen},
		{3, 3, []error{nil, context.Canceled, nil, nil}, StateClosed},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.probes, tt.successes, tt.outcomes), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(time.Second),
					WithHalfOpenProbes(tt.probes), WithHalfOpenSuccesses(tt.successes))
				run(t, b, 1, fail)
				time.Sleep(time.Second)
				for i, err := range tt.outcomes {
					done, aerr := b.Allow()
					if aerr != nil {
						t.Fatalf("Allow() #%d = %v, want a probe", i, aerr)
					}
					done(err)
				}
				wantState(t, b, tt.want)
			})
		})
	}
}

// TestHalfOpenConcurrentProbes holds every probe place at once; the last
// success closes the breaker.
func TestHalfOpenConcurrentProbes(t *testing.T) {
	b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(0), WithHalfOpenProbes(3))
	run(t, b, 1, fail)
	var dones []func(error)
	for i := range 3 {
		done, err := b.Allow()
		if err != nil {
			t.Fatalf("Allow() #%d = %v, want a probe", i, err)
		}
		dones = append(dones, done)
	}
	if _, err := b.Allow(); !errors.Is(err, ErrOpen) {
		t.Fatalf("Allow() with every probe place taken = %v, want ErrOpen", err)
	}
	for _, done := range dones {
		wantState(t, b, StateHalfOpen)
		done(nil)
	}
	wantState(t, b, StateClosed)
}

// TestHalfOpenProbeLimit lets many callers at a half-open breaker at once,
// while the probes hang: exactly the configured number get through.
func TestHalfOpenProbeLimit(t *testing.T) {
	for _, probes := range []int{1, 3, 10} {
		t.Run(fmt.Sprint(probes), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				testProbeLimit(t, probes)
			})
		})
	}
}

func testProbeLimit(t *testing.T, probes int) {
	const callers = 100
	b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(time.Second), WithHalfOpenProbes(probes))
	run(t, b, 1, fail)
	time.Sleep(time.Second)

	var admitted, rejected atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			err := b.Do(context.Background(), func(context.Context) error {
				admitted.Add(1)
				<-release
				return nil
			})
			var oe *OpenError
			if errors.As(err, &oe) && oe.State == StateHalfOpen {
				rejected.Add(1)
			}
		})
	}
	synctest.Wait() // every caller has either returned or is a probe that waits
	if got := admitted.Load(); got != int64(probes) {
		t.Errorf("probes admitted = %d, want %d", got, probes)
	}
	close(release)
	wg.Wait()
	if got := rejected.Load(); got != callers-int64(probes) {
		t.Errorf("rejected = %d, want %d", got, callers-probes)
	}
	wantState(t, b, StateClosed)
}

func TestIgnoredProbeFreesItsPlace(t *testing.T) {
	b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(0))
	run(t, b, 1, fail)
	done, err := b.Allow()
	if err != nil {
		t.Fatalf("Allow() = %v, want a probe", err)
	}
	if _, err := b.Allow(); !errors.Is(err, ErrOpen) {
		t.Fatalf("second Allow() = %v, want ErrOpen", err)
	}
	done(context.Canceled)
	wantState(t, b, StateHalfOpen)
	if _, err := b.Allow(); err != nil {
		t.Fatalf("Allow() after an ignored probe = %v, want a probe", err)
	}
}

// TestStaleOutcomeIgnored checks that a call admitted before a change of
// state does not count after it.
func TestStaleOutcomeIgnored(t *testing.T) {
	b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(0))
	stale, err := b.Allow()
	if err != nil {
		t.Fatalf("Allow() = %v", err)
	}
	run(t, b, 1, fail) // trips
	probe, err := b.Allow()
	if err != nil {
		t.Fatalf("Allow() = %v, want a probe", err)
	}
	stale(errBoom) // admitted when closed: must not reopen the half-open breaker
	wantState(t, b, StateHalfOpen)
	probe(nil)
	wantState(t, b, StateClosed)
	stale(errBoom) // nor trip the new closed state
	wantState(t, b, StateClosed)
	if got := b.Stats().ConsecutiveFailures; got != 0 {
		t.Fatalf("Stats().ConsecutiveFailures = %d, want 0", got)
	}
}

func TestOpenBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(time.Second),
			WithOpenBackoff(5*time.Second, 2, 0))
		ctx := context.Background()
		run(t, b, 1, fail)
		for _, want := range []time.Duration{1, 2, 4, 5, 5} {
			want *= time.Second
			wantRejected(t, b.Do(ctx, succeed), StateOpen, want)
			time.Sleep(want)
			run(t, b, 1, fail) // the probe fails: reopen for longer
		}
		time.Sleep(5 * time.Second)
		run(t, b, 1, succeed) // recovery
		wantState(t, b, StateClosed)
		run(t, b, 1, fail)
		wantRejected(t, b.Do(ctx, succeed), StateOpen, time.Second)
	})
}

func TestOpenBackoffJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(time.Second),
			WithOpenBackoff(time.Hour, 2, 0.5))
		run(t, b, 1, fail)
		for i := range 10 {
			full := time.Second << i
			var oe *OpenError
			if err := b.Do(context.Background(), succeed); !errors.As(err, &oe) {
				t.Fatalf("Do = %v, want an *OpenError", err)
			}
			if oe.Wait < full/2 || oe.Wait > full {
				t.Fatalf("trip %d: Wait = %v, want in [%v, %v]", i, oe.Wait, full/2, full)
			}
			time.Sleep(oe.Wait)
			run(t, b, 1, fail)
		}
	})
}

func TestOpenDuration(t *testing.T) {
	c := config{openDuration: time.Second, backoffMax: 10 * time.Second, backoffMult: 3, backoffJitter: 0.2}
	fixed := config{openDuration: time.Second}
	tests := []struct {
		c     *config
		level int
		r     float64
		want  time.Duration
	}{
		{&fixed, 0, 0.9, time.Second},
		{&fixed, 7, 0.9, time.Second},
		{&c, 0, 0, time.Second},
		{&c, 1, 0, 3 * time.Second},
		{&c, 2, 0, 9 * time.Second},
		{&c, 3, 0, 10 * time.Second},
		{&c, 5000, 0, 10 * time.Second}, // 3^5000 overflows to +Inf
		{&c, 0, 0.5, 900 * time.Millisecond},
		{&c, 3, 0.5, 9 * time.Second},
	}
	for _, tt := range tests {
		if got := openDuration(tt.c, tt.level, tt.r); got != tt.want {
			t.Errorf("openDuration(%+v, %d, %v) = %v, want %v", *tt.c, tt.level, tt.r, got, tt.want)
		}
	}
}

func TestCountWindowRate(t *testing.T) {
	b := mustNew(t, WithFailureRate(0.5), WithCountWindow(10), WithMinimumCalls(4))
	run(t, b, 3, fail)
	wantState(t, b, StateClosed) // 3 calls: below the minimum
	run(t, b, 1, succeed)
	wantState(t, b, StateOpen) // 3 of 4 failed

	b = mustNew(t, WithFailureRate(0.75), WithCountWindow(4), WithMinimumCalls(4))
	for _, fn := range []func(context.Context) error{fail, succeed, fail, succeed, succeed} {
		run(t, b, 1, fn)
	}
	// The fifth call took the place of the first failure: 1 of 4.
	wantState(t, b, StateClosed)
	st := b.Stats()
	if st.Calls != 4 || st.Failures != 1 || st.FailureRate != 0.25 {
		t.Fatalf("Stats() = %+v, want 4 calls, 1 failure, rate 0.25", st)
	}
	run(t, b, 1, fail) // in place of a success: 2 of 4
	run(t, b, 1, fail) // in place of a failure: 2 of 4
	wantState(t, b, StateClosed)
	run(t, b, 1, fail) // in place of a success: 3 of 4
	wantState(t, b, StateOpen)
}

func TestTimeWindowRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 10s in 5 buckets of 2s.
		b := mustNew(t, WithFailureRate(0.6), WithTimeWindow(10*time.Second, 5), WithMinimumCalls(4))
		wantCalls := func(calls, failures int64) {
			t.Helper()
			st := b.Stats()
			if st.Calls != calls || st.Failures != failures {
				t.Fatalf("at %v: Stats() = %d calls, %d failures, want %d, %d", time.Duration(b.now()), st.Calls, st.Failures, calls, failures)
			}
		}
		run(t, b, 1, fail)
		run(t, b, 2, succeed)
		wantCalls(3, 1)
		time.Sleep(9 * time.Second) // 9s: the first bucket is still in
		wantCalls(3, 1)
		time.Sleep(time.Second) // 10s: it has rolled out
		wantCalls(0, 0)

		run(t, b, 2, fail)
		time.Sleep(3 * time.Second)
		run(t, b, 3, succeed)
		wantCalls(5, 2)
		wantState(t, b, StateClosed)
		time.Sleep(7 * time.Second) // 20s: the two failures roll out
		wantCalls(3, 0)
		run(t, b, 4, fail) // 4 of 7
		wantState(t, b, StateClosed)
		run(t, b, 1, fail) // 5 of 8
		wantState(t, b, StateOpen)
	})
}

// TestTimeWindowSuccessTrips checks that a success can trip a time window:
// one that brings it to the minimum of calls, or one recorded after older
// successes have rolled out, leaving the failures.
func TestTimeWindowSuccessTrips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 3s in 3 buckets of 1s.
		b := mustNew(t, WithFailureRate(0.5), WithTimeWindow(3*time.Second, 3), WithMinimumCalls(4))
		run(t, b, 4, succeed)
		time.Sleep(time.Second)
		run(t, b, 2, fail) // 2 of 6
		time.Sleep(2 * time.Second)
		run(t, b, 1, succeed) // the 4 successes are out: 2 of 3, below the minimum
		wantState(t, b, StateClosed)
		run(t, b, 1, succeed) // 2 of 4
		wantState(t, b, StateOpen)
	})
}

// TestTimeWindowQuietPeriodTrips checks that failures still trip a time
// window in a period where successes no longer evaluate the rates.
func TestTimeWindowQuietPeriodTrips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithFailureRate(0.5), WithTimeWindow(10*time.Second, 5), WithMinimumCalls(4))
		run(t, b, 4, succeed)
		run(t, b, 1, fail) // 1 of 5: the period is quiet
		run(t, b, 2, succeed)
		run(t, b, 2, fail) // 3 of 9
		wantState(t, b, StateClosed)
		run(t, b, 2, fail) // 5 of 11
		wantState(t, b, StateClosed)
		run(t, b, 1, fail) // 6 of 12
		wantState(t, b, StateOpen)
	})
}

// TestTimeWindowLongGap leaves the window idle for longer than it spans, so
// that every bucket holds a period long gone.
func TestTimeWindowLongGap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithFailureRate(1), WithTimeWindow(time.Second, 4), WithMinimumCalls(2))
		run(t, b, 1, fail)
		time.Sleep(time.Hour)
		run(t, b, 1, fail)
		wantState(t, b, StateClosed) // one failure in the window
		run(t, b, 1, fail)
		wantState(t, b, StateOpen)
	})
}

func TestSlowCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithSlowCall(100*time.Millisecond, 0.5), WithCountWindow(4), WithMinimumCalls(4))
		ctx := context.Background()
		_ = b.Do(ctx, after(100*time.Millisecond, nil)) // not slower than the threshold
		_ = b.Do(ctx, after(101*time.Millisecond, nil))
		_ = b.Do(ctx, succeed)
		st := b.Stats()
		if st.Calls != 3 || st.SlowCalls != 1 || st.Failures != 0 {
			t.Fatalf("Stats() = %+v, want 3 calls, 1 slow, 0 failures", st)
		}
		done, err := b.Allow()
		if err != nil {
			t.Fatalf("Allow() = %v", err)
		}
		time.Sleep(time.Second)
		done(errBoom) // slow and failed: counts for both rates
		wantState(t, b, StateOpen)
		st = b.Stats()
		if st.SlowCalls != 2 || st.Failures != 1 || st.SlowCallRate != 0.5 {
			t.Fatalf("Stats() = %+v, want 2 slow, 1 failure, slow rate 0.5", st)
		}
	})
}

func TestSlowProbeReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithConsecutiveFailures(1), WithSlowCall(time.Second, 1), WithOpenDuration(time.Second))
		ctx := context.Background()
		run(t, b, 1, fail)
		time.Sleep(time.Second)
		_ = b.Do(ctx, after(2*time.Second, nil))
		wantState(t, b, StateOpen)
		time.Sleep(time.Second)
		_ = b.Do(ctx, after(time.Second, nil))
		wantState(t, b, StateClosed)
	})
}

func TestClassification(t *testing.T) {
	errPermanent := errors.New("not found")
	tests := []struct {
		name                   string
		opts                   []Option
		err                    error
		wantCalls, wantFailure int64
	}{
		{"nil", nil, nil, 1, 0},
		{"error", nil, errBoom, 1, 1},
		{"canceled", nil, fmt.Errorf("call: %w", context.Canceled), 0, 0},
		{"deadline", nil, context.DeadlineExceeded, 1, 1},
		{"is-failure false", []Option{WithIsFailure(func(err error) bool { return !errors.Is(err, errPermanent) })}, errPermanent, 1, 0},
		{"is-failure true", []Option{WithIsFailure(func(err error) bool { return !errors.Is(err, errPermanent) })}, errBoom, 1, 1},
		{"is-ignored", []Option{WithIsIgnored(func(err error) bool { return errors.Is(err, errPermanent) })}, errPermanent, 0, 0},
		{"canceled recorded", []Option{WithIsIgnored(func(error) bool { return false })}, context.Canceled, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]Option{WithFailureRate(1), WithCountWindow(10)}, tt.opts...)
			b := mustNew(t, opts...)
			err := b.Do(context.Background(), func(context.Context) error { return tt.err })
			if err != tt.err {
				t.Fatalf("Do = %v, want %v unchanged", err, tt.err)
			}
			st := b.Stats()
			if st.Calls != tt.wantCalls || st.Failures != tt.wantFailure {
				t.Fatalf("Do(%v): Stats() = %d calls, %d failures, want %d, %d", tt.err, st.Calls, st.Failures, tt.wantCalls, tt.wantFailure)
			}
		})
	}
}

func TestPanicIsFailure(t *testing.T) {
	value := fmt.Errorf("panic value")
	tests := []struct {
		name string
		call func(b *Breaker)
	}{
		{"Do", func(b *Breaker) {
			_ = b.Do(context.Background(), func(context.Context) error { panic(value) })
		}},
		{"Execute", func(b *Breaker) {
			_, _ = Execute(context.Background(), b, func(context.Context) (int, error) { panic(value) })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustNew(t, WithConsecutiveFailures(1))
			got := func() (v any) {
				defer func() { v = recover() }()
				tt.call(b)
				return nil
			}()
			if got != value {
				t.Fatalf("recovered %v, want the panic value %v", got, value)
			}
			wantState(t, b, StateOpen)
		})
	}
}

func TestDoDoneContext(t *testing.T) {
	b := mustNew(t, WithConsecutiveFailures(1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := b.Do(ctx, func(context.Context) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Fatalf("Do(canceled ctx) = %v, fn called %v; want context.Canceled, not called", err, called)
	}
	_, err = Execute(ctx, b, func(context.Context) (int, error) { called = true; return 1, nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Fatalf("Execute(canceled ctx) = %v, fn called %v; want context.Canceled, not called", err, called)
	}
	wantState(t, b, StateClosed)
}

func TestNilFunc(t *testing.T) {
	b := mustNew(t)
	if err := b.Do(context.Background(), nil); err == nil {
		t.Fatal("Do(nil) = nil, want an error")
	}
	if _, err := Execute[int](context.Background(), b, nil); err == nil {
		t.Fatal("Execute(nil) = nil, want an error")
	}
}

// TestNilContext checks the nil-context policy of CONTRIBUTING.md: Do and
// Execute return an error for a nil ctx, in every state, without calling fn
// or recording anything.
func TestNilContext(t *testing.T) {
	var nilCtx context.Context
	called := false
	fn := func(context.Context) (int, error) { called = true; return 0, errBoom }
	const msg = "breaker: nil Context"
	for _, opts := range [][]Option{nil, {WithSlowCall(time.Second, 1)}} {
		b := mustNew(t, append(opts, WithConsecutiveFailures(1))...)
		if err := b.Do(nilCtx, func(ctx context.Context) error { _, err := fn(ctx); return err }); err == nil || err.Error() != msg {
			t.Errorf("Do(nil ctx) = %v, want %q", err, msg)
		}
		if _, err := Execute(nilCtx, b, fn); err == nil || err.Error() != msg {
			t.Errorf("Execute(nil ctx) = %v, want %q", err, msg)
		}
		if called {
			t.Errorf("fn called with a nil ctx")
		}
		wantState(t, b, StateClosed)
	}
}

func TestExecute(t *testing.T) {
	b := mustNew(t, WithConsecutiveFailures(1))
	v, err := Execute(context.Background(), b, func(context.Context) (string, error) { return "v", nil })
	if v != "v" || err != nil {
		t.Fatalf("Execute = %q, %v, want \"v\", nil", v, err)
	}
	v, err = Execute(context.Background(), b, func(context.Context) (string, error) { return "partial", errBoom })
	if v != "partial" || err != errBoom {
		t.Fatalf("Execute = %q, %v, want \"partial\", %v", v, err, errBoom)
	}
	v, err = Execute(context.Background(), b, func(context.Context) (string, error) { return "v", nil })
	if v != "" || !errors.Is(err, ErrOpen) {
		t.Fatalf("Execute on an open breaker = %q, %v, want \"\", ErrOpen", v, err)
	}
}

func TestAllow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tests := []struct {
			name string
			opts []Option
		}{
			{"consecutive", nil},
			{"count-window", []Option{WithFailureRate(1), WithCountWindow(10)}},
			{"slow-call", []Option{WithSlowCall(time.Second, 1)}},
		}
		for _, tt := range tests {
			b := mustNew(t, append(tt.opts, WithConsecutiveFailures(2))...)
			for range 2 {
				done, err := b.Allow()
				if err != nil || done == nil {
					t.Fatalf("%s: Allow() = (done nil: %t), %v; want a done func", tt.name, done == nil, err)
				}
				done(errBoom)
			}
			done, err := b.Allow()
			if done != nil || !errors.Is(err, ErrOpen) {
				t.Fatalf("%s: Allow() on an open breaker = (done nil: %t), %v; want nil, ErrOpen", tt.name, done == nil, err)
			}
		}
	})
}

func TestForceOpenDisableReset(t *testing.T) {
	var r recorder
	b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(0), WithName("db"), r.option())
	ctx := context.Background()

	b.ForceOpen()
	b.ForceOpen() // already forced: nothing changes
	wantState(t, b, StateForcedOpen)
	err := b.Do(ctx, succeed)
	wantRejected(t, err, StateForcedOpen, 0)

	b.Disable()
	wantState(t, b, StateDisabled)
	run(t, b, 10, fail)
	wantState(t, b, StateDisabled)

	b.Reset()
	wantState(t, b, StateClosed)
	run(t, b, 1, fail)
	wantState(t, b, StateHalfOpen) // open for 0s
	b.Reset()
	wantState(t, b, StateClosed)
	b.Reset() // already closed: no change reported
	r.want(t,
		change{StateClosed, StateForcedOpen},
		change{StateForcedOpen, StateDisabled},
		change{StateDisabled, StateClosed},
		change{StateClosed, StateOpen},
		change{StateOpen, StateHalfOpen},
		change{StateHalfOpen, StateClosed},
	)
	st := b.Stats()
	if st.Trips != 1 || st.Rejected != 1 {
		t.Fatalf("Stats() = %+v, want Trips 1 and Rejected 1 kept across Reset", st)
	}
}

func TestResetClearsWindowAndBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, WithFailureRate(0.5), WithCountWindow(10), WithMinimumCalls(4),
			WithOpenDuration(time.Second), WithOpenBackoff(time.Minute, 10, 0))
		run(t, b, 3, fail)
		b.Reset()
		run(t, b, 1, fail)
		run(t, b, 3, succeed)
		wantState(t, b, StateClosed) // the 3 failures before Reset are gone
		run(t, b, 1, fail)
		run(t, b, 1, fail)
		wantState(t, b, StateOpen)
		time.Sleep(time.Second)
		run(t, b, 1, fail) // second trip: 10s
		b.Reset()
		run(t, b, 4, fail)
		wantRejected(t, b.Do(context.Background(), succeed), StateOpen, time.Second)
	})
}

func TestHooks(t *testing.T) {
	var b *Breaker
	var seen []State
	var once sync.Once
	b = mustNew(t, WithConsecutiveFailures(1), WithName("db"),
		WithOnStateChange(func(name string, from, to State) {
			if name != "db" {
				t.Errorf("hook name = %q, want \"db\"", name)
			}
			// A hook may call the breaker: State, Stats, even a change of
			// state, whose hook runs after this one returns.
			seen = append(seen, b.State())
			_ = b.Stats()
			once.Do(b.Disable)
			seen = append(seen, to)
		}))
	run(t, b, 1, fail)
	want := []State{StateOpen, StateOpen, StateDisabled, StateDisabled}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("hooks saw %v, want %v", seen, want)
	}
}

// TestHooksOncePerChange has many goroutines trip the breaker at once: each
// change is reported once, in order.
func TestHooksOncePerChange(t *testing.T) {
	var r recorder
	var calls atomic.Int64
	b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(0), r.option(),
		WithOnStateChange(func(string, State, State) { calls.Add(1) }))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { run(t, b, 1, fail) })
	}
	wg.Wait()
	r.mu.Lock()
	changes := r.changes
	r.mu.Unlock()
	if len(changes) == 0 || changes[0] != (change{StateClosed, StateOpen}) {
		t.Fatalf("changes = %v, want closed→open first", changes)
	}
	for i := 1; i < len(changes); i++ {
		if changes[i].from != changes[i-1].to {
			t.Fatalf("changes = %v: #%d does not follow #%d", changes, i, i-1)
		}
	}
	if got := calls.Load(); got != int64(len(changes)) {
		t.Fatalf("second hook called %d times, want %d", got, len(changes))
	}
}

func TestHookPanic(t *testing.T) {
	var r recorder
	b := mustNew(t, WithConsecutiveFailures(1), WithOpenDuration(0),
		WithOnStateChange(func(_ string, _, to State) {
			if to == StateOpen {
				panic("hook")
			}
		}), r.option())
	func() {
		defer func() {
			if v := recover(); v != "hook" {
				t.Errorf("recovered %v, want the hook's panic", v)
			}
		}()
		run(t, b, 1, fail)
	}()
	b.ForceOpen() // hooks run again, the next change first
	r.want(t, change{StateOpen, StateForcedOpen})
}

// TestConcurrentCounts records a known mix of outcomes from many goroutines
// into windows large enough to hold them all: the counts must add up.
func TestConcurrentCounts(t *testing.T) {
	const goroutines, perGoroutine = 8, 500
	tests := []struct {
		name string
		opts []Option
	}{
		{"count-window", []Option{WithCountWindow(goroutines * perGoroutine)}},
		{"time-window", []Option{WithTimeWindow(time.Hour, 10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustNew(t, append(tt.opts, WithFailureRate(1), WithMinimumCalls(goroutines*perGoroutine))...)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for i := range perGoroutine {
						err := error(nil)
						switch (g + i) % 4 {
						case 0:
							err = errBoom
						case 1:
							err = context.Canceled
						}
						_ = b.Do(context.Background(), func(context.Context) error { return err })
					}
				})
			}
			wg.Wait()
			st := b.Stats()
			const calls = goroutines * perGoroutine * 3 / 4
			const failures = goroutines * perGoroutine / 4
			if st.State != StateClosed || st.Calls != calls || st.Failures != failures {
				t.Fatalf("Stats() = %+v, want closed with %d calls, %d failures", st, calls, failures)
			}
		})
	}
}

// TestConcurrentTrip hammers a breaker with failures and successes from
// many goroutines through several cycles; the race detector and the
// invariants of Stats check the rest.
func TestConcurrentTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var r recorder
		b := mustNew(t, WithFailureRate(0.5), WithCountWindow(20), WithMinimumCalls(10),
			WithOpenDuration(10*time.Millisecond), WithHalfOpenProbes(3), r.option())
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 300 {
					fn := succeed
					if (g+i)%3 == 0 {
						fn = fail
					}
					_ = b.Do(context.Background(), after(time.Millisecond, nil))
					_ = b.Do(context.Background(), fn)
				}
			})
		}
		wg.Wait()
		st := b.Stats()
		if st.Calls > 20 || st.Failures > st.Calls || st.Calls < 0 || st.Failures < 0 {
			t.Fatalf("Stats() = %+v: counts out of range", st)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for i := 1; i < len(r.changes); i++ {
			if r.changes[i].from != r.changes[i-1].to {
				t.Fatalf("changes %v: #%d does not follow #%d", r.changes, i, i-1)
			}
		}
	})
}

func TestName(t *testing.T) {
	b := mustNew(t, WithName("payments"))
	if got := b.Name(); got != "payments" {
		t.Fatalf("Name() = %q, want \"payments\"", got)
	}
}

// TestSettledWindowKeepsFailures records failures while many goroutines
// record successes into a count window full of successes, where successes
// may be left out (see countWindow). The window is large enough that no
// failure can be pushed out: every one must be counted.
func TestSettledWindowKeepsFailures(t *testing.T) {
	const size, goroutines, successes, failures = 4096, 7, 400, 200
	b := mustNew(t, WithCountWindow(size), WithFailureRate(1), WithMinimumCalls(size))
	run(t, b, size, succeed)
	if !b.cur.Load().cw.settled() {
		t.Fatalf("after %d successes: window not settled", size)
	}
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range successes {
				_ = b.Do(context.Background(), succeed)
			}
		})
	}
	wg.Go(func() {
		for range failures {
			_ = b.Do(context.Background(), fail)
			_ = b.Do(context.Background(), succeed)
		}
	})
	wg.Wait()
	st := b.Stats()
	if st.State != StateClosed || st.Calls != size || st.Failures != failures {
		t.Fatalf("Stats() = %+v, want closed with %d calls, %d failures", st, size, failures)
	}
	w := b.cur.Load().cw
	if got, want := w.unsettled.Load(), unsettledSlots(w); got != failures || got != want {
		t.Fatalf("unsettled = %d, want %d (slots not holding a success: %d)", got, failures, want)
	}
}

// TestSettledWindowTrips checks that a window full of successes still trips
// on the failures that follow.
func TestSettledWindowTrips(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
	}{
		{"count-window", nil},
		{"slow-call", []Option{WithSlowCall(time.Second, 1)}},
	}
	for _, tt := range tests {
		b := mustNew(t, append(tt.opts, WithCountWindow(10), WithFailureRate(0.3), WithMinimumCalls(10))...)
		run(t, b, 25, succeed)
		run(t, b, 2, fail)
		wantState(t, b, StateClosed)
		run(t, b, 1, fail) // 3 of 10
		if got := b.State(); got != StateOpen {
			t.Fatalf("%s: State() = %v after 3 failures in 10 calls, want %v", tt.name, got, StateOpen)
		}
	}
}

// TestAllowDoneTwice checks that, under the slow rule (whose done values are
// reused), a second call of done is ignored.
func TestAllowDoneTwice(t *testing.T) {
	b := mustNew(t, WithSlowCall(time.Hour, 1), WithCountWindow(10), WithFailureRate(1))
	done, err := b.Allow()
	if err != nil {
		t.Fatalf("Allow() = %v", err)
	}
	done(errBoom)
	done(errBoom)
	done(nil)
	if st := b.Stats(); st.Calls != 1 || st.Failures != 1 {
		t.Fatalf("Stats() = %+v after done called 3 times, want 1 call, 1 failure", st)
	}
}

// TestAllowOverlapping keeps many two-step calls in flight at once under the
// slow rule, and ends them in another order: each done must time its own
// call.
func TestAllowOverlapping(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 50
		b := mustNew(t, WithSlowCall(time.Second, 1), WithCountWindow(n), WithMinimumCalls(n))
		dones := make([]func(error), n)
		for i := range dones {
			var err error
			if dones[i], err = b.Allow(); err != nil {
				t.Fatalf("Allow() #%d = %v", i, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// Call i started (n-i)*100ms ago: those up to n-10 are slower than
		// 1s. End the newest first, so that reused done values are handed
		// out while older calls are still in flight.
		for i := n - 1; i >= 0; i-- {
			dones[i](nil)
			if i%2 == 0 {
				d, err := b.Allow()
				if err != nil {
					t.Fatalf("Allow() = %v", err)
				}
				defer d(context.Canceled) // not recorded
			}
		}
		if st := b.Stats(); st.Calls != n || st.SlowCalls != n-10 {
			t.Fatalf("Stats() = %+v, want %d calls, %d slow", st, n, n-10)
		}
	})
}

// TestAllowConcurrent runs two-step calls from many goroutines under the
// slow rule: the counts must add up.
func TestAllowConcurrent(t *testing.T) {
	const goroutines, perGoroutine = 8, 250
	b := mustNew(t, WithSlowCall(time.Hour, 1), WithCountWindow(goroutines*perGoroutine),
		WithFailureRate(1), WithMinimumCalls(goroutines*perGoroutine))
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				done, err := b.Allow()
				if err != nil {
					t.Errorf("Allow() = %v", err)
					return
				}
				if (g+i)%2 == 0 {
					done(errBoom)
				} else {
					done(nil)
				}
			}
		})
	}
	wg.Wait()
	const calls = goroutines * perGoroutine
	if st := b.Stats(); st.Calls != calls || st.Failures != calls/2 || st.SlowCalls != 0 {
		t.Fatalf("Stats() = %+v, want %d calls, %d failures, 0 slow", st, calls, calls/2)
	}
}
