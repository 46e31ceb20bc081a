// Package breaker_test compares holdfast's breaker.Breaker with
// sony/gobreaker v2 and failsafe-go's CircuitBreaker.
//
// Every side is configured alike, under two trip rules: rule=consecutive
// trips after 5 failures in a row; rule=rate trips when at least half of
// the calls of the last 10s (a sliding time window of 10 buckets) failed,
// once the window holds 5 calls. Either way the breaker stays open for an
// hour, so an open-state benchmark never reaches half-open. impl=direct
// calls fn with no breaker at all: the floor, not a peer.
package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"

	"github.com/holdfast-go/holdfast/breaker"
)

const (
	tripAfter    = 5 // failures in a row, or calls in the window
	failureRate  = 0.5
	window       = 10 * time.Second
	buckets      = 10
	openDuration = time.Hour
)

var (
	errFail = errors.New("fail")
	rules   = []string{"consecutive", "rate"}
)

// subject is one library's breaker around a successful and a failing fn.
type subject struct {
	name string
	// build returns two calls through one new, closed breaker with the
	// given trip rule: ok runs a fn that succeeds, fail one that fails.
	build func(tb testing.TB, rule string) (ok, fail func() error)
}

var subjects = []subject{
	{"direct", func(testing.TB, string) (ok, fail func() error) {
		return func() error { return nil }, func() error { return errFail }
	}},
	{"holdfast", func(tb testing.TB, rule string) (ok, fail func() error) {
		opts := []breaker.Option{breaker.WithOpenDuration(openDuration), breaker.WithConsecutiveFailures(tripAfter)}
		if rule == "rate" {
			opts = []breaker.Option{
				breaker.WithOpenDuration(openDuration),
				breaker.WithFailureRate(failureRate),
				breaker.WithTimeWindow(window, buckets),
				breaker.WithMinimumCalls(tripAfter),
			}
		}
		br, err := breaker.New(opts...)
		if err != nil {
			tb.Fatal(err)
		}
		ctx := context.Background()
		okFn := func(context.Context) error { return nil }
		failFn := func(context.Context) error { return errFail }
		ok = func() error { return br.Do(ctx, okFn) }
		fail = func() error { return br.Do(ctx, failFn) }
		return ok, fail
	}},
	{"gobreaker", func(_ testing.TB, rule string) (ok, fail func() error) {
		st := gobreaker.Settings{
			Name:        "bench",
			Timeout:     openDuration,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= tripAfter },
		}
		if rule == "rate" {
			st.Interval, st.BucketPeriod = window, window/buckets
			st.ReadyToTrip = func(c gobreaker.Counts) bool {
				return c.Requests >= tripAfter && float64(c.TotalFailures) >= failureRate*float64(c.Requests)
			}
		}
		cb := gobreaker.NewCircuitBreaker[struct{}](st)
		okFn := func() (struct{}, error) { return struct{}{}, nil }
		failFn := func() (struct{}, error) { return struct{}{}, errFail }
		ok = func() error { _, err := cb.Execute(okFn); return err }
		fail = func() error { _, err := cb.Execute(failFn); return err }
		return ok, fail
	}},
	{"failsafe", func(_ testing.TB, rule string) (ok, fail func() error) {
		bld := circuitbreaker.NewBuilder[any]().WithDelay(openDuration)
		if rule == "rate" {
			bld = bld.WithFailureRateThreshold(failureRate, tripAfter, window)
		} else {
			bld = bld.WithFailureThreshold(tripAfter)
		}
		exec := failsafe.With[any](bld.Build())
		okFn := func() error { return nil }
		failFn := func() error { return errFail }
		ok = func() error { return exec.Run(okFn) }
		fail = func() error { return exec.Run(failFn) }
		return ok, fail
	}},
}

// each runs bench for every rule and subject (but the floor, when
// withFloor is false), as sub-benchmarks rule=.../impl=....
func each(b *testing.B, withFloor bool, bench func(b *testing.B, s subject, rule string)) {
	for _, rule := range rules {
		for _, s := range subjects {
			if s.name == "direct" && !withFloor {
				continue
			}
			b.Run(fmt.Sprintf("rule=%s/impl=%s", rule, s.name), func(b *testing.B) { bench(b, s, rule) })
		}
	}
}

// BenchmarkClosedSuccess measures a successful call through a closed
// breaker, from one goroutine.
func BenchmarkClosedSuccess(b *testing.B) {
	each(b, true, func(b *testing.B, s subject, rule string) {
		ok, _ := s.build(b, rule)
		b.ReportAllocs()
		for b.Loop() {
			if err := ok(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkClosedSuccessParallel is BenchmarkClosedSuccess from
// GOMAXPROCS goroutines sharing one breaker.
func BenchmarkClosedSuccessParallel(b *testing.B) {
	each(b, true, func(b *testing.B, s subject, rule string) {
		ok, _ := s.build(b, rule)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := ok(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkOpenReject measures a call rejected by an open breaker, from
// one goroutine.
func BenchmarkOpenReject(b *testing.B) {
	each(b, false, func(b *testing.B, s subject, rule string) {
		ok := tripped(b, s, rule)
		b.ReportAllocs()
		for b.Loop() {
			if ok() == nil {
				b.Fatal("call admitted by an open breaker")
			}
		}
	})
}

// BenchmarkOpenRejectParallel is BenchmarkOpenReject from GOMAXPROCS
// goroutines sharing one breaker.
func BenchmarkOpenRejectParallel(b *testing.B) {
	each(b, false, func(b *testing.B, s subject, rule string) {
		ok := tripped(b, s, rule)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ok() == nil {
					b.Error("call admitted by an open breaker")
					return
				}
			}
		})
	})
}

// tripped builds s's breaker, trips it with tripAfter failures and returns
// its successful call, which the open breaker must now reject.
func tripped(tb testing.TB, s subject, rule string) func() error {
	tb.Helper()
	ok, fail := s.build(tb, rule)
	for range tripAfter {
		if err := fail(); !errors.Is(err, errFail) {
			tb.Fatalf("%s: failing call = %v, want %v", s.name, err, errFail)
		}
	}
	if ok() == nil {
		tb.Fatalf("%s, rule %s: breaker still closed after %d failures", s.name, rule, tripAfter)
	}
	return ok
}
