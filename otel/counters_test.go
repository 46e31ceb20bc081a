package holdfastotel

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/retry"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// TestConcurrentCounts: calls from many goroutines at once, through one
// breaker and one retry policy, are all counted, by outcome and result;
// a second collection adds the calls made since (the counts are
// cumulative). It runs with the counters in one stripe and, made under a
// GOMAXPROCS of 8, in 8.
func TestConcurrentCounts(t *testing.T) {
	for _, procs := range []int{1, 8} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			h := newHarness(t)
			testConcurrentCounts(t, h)
			if n := len(h.in.counters.breaker("payments").n.s); n != stripesFor(procs) {
				t.Errorf("breaker counts in %d stripes, want %d", n, stripesFor(procs))
			}
		})
	}
}

func testConcurrentCounts(t *testing.T, h *harness) {
	opts, err := h.in.BreakerOptions("payments")
	if err != nil {
		t.Fatal(err)
	}
	ignored := errors.New("ignored")
	b, err := breaker.New(append(opts, breaker.WithConsecutiveFailures(1_000_000),
		breaker.WithIsIgnored(func(err error) bool { return errors.Is(err, ignored) }))...)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := h.in.RetryObserver("payments")
	if err != nil {
		t.Fatal(err)
	}
	p, err := retry.New(retry.WithObserver(obs), retry.WithMaxAttempts(2), retry.WithClock(noWaitClock{}))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	const goroutines, calls = 8, 500
	round := func() {
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for i := range calls {
					// Per goroutine: 250 successes, 125 failures and 125
					// ignored calls through the breaker; through the
					// policy, 250 calls that succeed at once, 250 that
					// fail twice.
					var berr error
					switch i % 4 {
					case 1:
						berr = boom
					case 3:
						berr = ignored
					}
					_ = b.Do(context.Background(), func(context.Context) error { return berr })
					_ = p.Do(context.Background(), func(context.Context) error {
						if i%2 == 1 {
							return boom
						}
						return nil
					})
				}
			})
		}
		wg.Wait()
	}
	for n := 1; n <= 2; n++ {
		round()
		c := func(per int) string { return fmt.Sprint(n * goroutines * per) }
		got := h.collect(t)
		want(t, got, map[string]string{
			"holdfast.breaker.calls{holdfast.breaker.outcome=success,holdfast.name=payments}":       c(250),
			"holdfast.breaker.calls{holdfast.breaker.outcome=failure,holdfast.name=payments}":       c(125),
			"holdfast.breaker.calls{holdfast.breaker.outcome=ignored,holdfast.name=payments}":       c(125),
			"holdfast.retry.calls{holdfast.name=payments,holdfast.retry.result=success}":            c(250),
			"holdfast.retry.calls{holdfast.name=payments,holdfast.retry.result=attempts_exhausted}": c(250),
			"holdfast.retry.attempts{holdfast.name=payments}":                                       c(250 + 2*250),
			"holdfast.retry.retries{holdfast.name=payments}":                                        c(250),
		})
		if d := histCount(got["holdfast.retry.delay{holdfast.name=payments}"]); d != c(250) {
			t.Errorf("round %d: delays recorded = %s, want %s", n, d, c(250))
		}
	}
}

// TestCountsByName: observers made with the same name share their counts
// (as one series), other names and other Instrumentations have their own,
// and a count is reported only once it is not 0.
func TestCountsByName(t *testing.T) {
	h := newHarness(t)
	other := newHarness(t)
	newPolicy := func(h *harness, name string) *retry.Policy {
		t.Helper()
		obs, err := h.in.RetryObserver(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := retry.New(retry.WithObserver(obs))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got := h.collect(t); len(got) != 0 {
		t.Errorf("before any call: points %v, want none", got)
	}
	newPolicy(h, "payments")
	if got := h.collect(t); len(got) != 0 {
		t.Errorf("before any call: points %v, want none", got)
	}
	for _, p := range []*retry.Policy{newPolicy(h, "payments"), newPolicy(h, "payments"), newPolicy(h, "ledger"), newPolicy(other, "payments")} {
		_ = p.Do(context.Background(), ok)
	}
	got := h.collect(t)
	want(t, got, map[string]string{
		"holdfast.retry.calls{holdfast.name=payments,holdfast.retry.result=success}": "2",
		"holdfast.retry.calls{holdfast.name=ledger,holdfast.retry.result=success}":   "1",
		"holdfast.retry.attempts{holdfast.name=payments}":                            "2",
	})
	if v, ok := got["holdfast.retry.retries{holdfast.name=payments}"]; ok {
		t.Errorf("retries without a retry = %s, want no point", v)
	}
	if n := len(got); n != 4 {
		t.Errorf("points = %d (%v), want 4", n, got)
	}
	want(t, other.collect(t), map[string]string{
		"holdfast.retry.calls{holdfast.name=payments,holdfast.retry.result=success}": "1",
	})
}

// TestObservedCallsDoNotAllocate: on the metric path (no recording
// span), an instrumented breaker call and retry call allocate nothing.
func TestObservedCallsDoNotAllocate(t *testing.T) {
	h := newHarness(t)
	opts, err := h.in.BreakerOptions("payments")
	if err != nil {
		t.Fatal(err)
	}
	b, err := breaker.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := h.in.RetryObserver("payments")
	if err != nil {
		t.Fatal(err)
	}
	p, err := retry.New(retry.WithObserver(obs))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name string
		call func()
	}{
		{"breaker", func() { _ = b.Do(ctx, ok) }},
		{"retry", func() { _ = p.Do(ctx, ok) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.call); n != 0 {
			t.Errorf("%s call: allocs = %v, want 0", tt.name, n)
		}
	}
}

func TestStripesFor(t *testing.T) {
	tests := []struct{ procs, want int }{{1, 1}, {2, 1}, {4, 1}, {5, 8}, {8, 8}, {9, 16}, {64, 64}, {65, 64}, {1000, 64}}
	for _, tt := range tests {
		if got := stripesFor(tt.procs); got != tt.want {
			t.Errorf("stripesFor(%d) = %d, want %d", tt.procs, got, tt.want)
		}
	}
}

// TestStripesSum: adds from several goroutines to one stripe or to
// several are all in the sum.
func TestStripesSum(t *testing.T) {
	for _, n := range []int{1, 8} {
		s := newStripesN[atomic.Int64](n)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 1000 {
					s.pick().Add(1)
				}
			})
		}
		wg.Wait()
		if got := s.sum(func(c *atomic.Int64) int64 { return c.Load() }); got != 4000 {
			t.Errorf("%d stripes: sum = %d, want 4000", n, got)
		}
		used := 0
		for i := range s.s {
			if s.s[i].v.Load() != 0 {
				used++
			}
		}
		if n > 1 && used < 2 {
			t.Errorf("%d stripes: %d used, want the adds spread", n, used)
		}
	}
}

// noWaitClock is a retry.Clock whose delays end at once.
type noWaitClock struct{}

type stopped struct{}

func (stopped) Stop() bool { return false }

func (noWaitClock) Now() time.Time { return time.Unix(0, 0) }
func (noWaitClock) AfterFunc(_ time.Duration, f func()) interface{ Stop() bool } {
	f()
	return stopped{}
}
func (noWaitClock) Go(f func())             { go f() }
func (noWaitClock) Wait(ch <-chan struct{}) { <-ch }

// TestDeltaTemporality: with a reader that asks for deltas, each
// collection reports the calls made since the one before, as it would
// for a synchronous counter.
func TestDeltaTemporality(t *testing.T) {
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background()) //nolint:errcheck // test teardown
	in, err := New(WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{in: in, reader: reader}
	opts, err := in.BreakerOptions("payments")
	if err != nil {
		t.Fatal(err)
	}
	b, err := breaker.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	const key = "holdfast.breaker.calls{holdfast.breaker.outcome=success,holdfast.name=payments}"
	for _, n := range []int{3, 5} {
		for range n {
			_ = b.Do(context.Background(), ok)
		}
		if got := h.collect(t)[key]; got != fmt.Sprint(n) {
			t.Errorf("calls since the last collection = %q, want %d", got, n)
		}
	}
}

// TestCountsOfTwoInstrumentationsOnOneProvider: two Instrumentations on
// one MeterProvider report one series per name, the sum of both, as the
// synchronous counters they replace would; after one is closed, only the
// other's counts.
func TestCountsOfTwoInstrumentationsOnOneProvider(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background()) //nolint:errcheck // test teardown
	h := &harness{reader: reader}
	var ins []*Instrumentation
	for range 2 {
		in, err := New(WithMeterProvider(mp))
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
		obs, err := in.RetryObserver("payments")
		if err != nil {
			t.Fatal(err)
		}
		p, err := retry.New(retry.WithObserver(obs))
		if err != nil {
			t.Fatal(err)
		}
		_ = p.Do(context.Background(), ok)
	}
	const key = "holdfast.retry.calls{holdfast.name=payments,holdfast.retry.result=success}"
	if got := h.collect(t)[key]; got != "2" {
		t.Errorf("%s = %q, want 2", key, got)
	}
	if err := ins[0].Close(); err != nil {
		t.Fatal(err)
	}
	if got := h.collect(t)[key]; got != "1" {
		t.Errorf("after closing one: %s = %q, want 1", key, got)
	}
}
