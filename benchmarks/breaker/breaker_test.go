// Package breaker_test compares holdfast's breaker.Breaker with
// sony/gobreaker v2 and failsafe-go's CircuitBreaker.
//
// Every side is configured alike: it trips after 5 consecutive failures and
// stays open for an hour (so an open-state benchmark never reaches
// half-open). impl=direct calls fn with no breaker at all: the floor, not a
// peer.
package breaker_test

import (
	"errors"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"
)

const (
	tripAfter    = 5
	openDuration = time.Hour
)

var errFail = errors.New("fail")

// subject is one library's breaker around a successful and a failing fn.
type subject struct {
	name string
	// build returns two calls through one new, closed breaker: ok runs a
	// fn that succeeds, fail one that fails.
	build func(tb testing.TB) (ok, fail func() error)
}

var subjects = []subject{
	{"direct", func(testing.TB) (ok, fail func() error) {
		return func() error { return nil }, func() error { return errFail }
	}},
	{"gobreaker", func(testing.TB) (ok, fail func() error) {
		cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
			Name:        "bench",
			Timeout:     openDuration,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= tripAfter },
		})
		okFn := func() (struct{}, error) { return struct{}{}, nil }
		failFn := func() (struct{}, error) { return struct{}{}, errFail }
		ok = func() error { _, err := cb.Execute(okFn); return err }
		fail = func() error { _, err := cb.Execute(failFn); return err }
		return ok, fail
	}},
	{"failsafe", func(testing.TB) (ok, fail func() error) {
		cb := circuitbreaker.NewBuilder[any]().
			WithFailureThreshold(tripAfter).
			WithDelay(openDuration).
			Build()
		exec := failsafe.With[any](cb)
		okFn := func() error { return nil }
		failFn := func() error { return errFail }
		ok = func() error { return exec.Run(okFn) }
		fail = func() error { return exec.Run(failFn) }
		return ok, fail
	}},
}

// BenchmarkClosedSuccess measures a successful call through a closed
// breaker, from one goroutine.
func BenchmarkClosedSuccess(b *testing.B) {
	for _, s := range subjects {
		b.Run("impl="+s.name, func(b *testing.B) {
			ok, _ := s.build(b)
			b.ReportAllocs()
			for b.Loop() {
				if err := ok(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClosedSuccessParallel is BenchmarkClosedSuccess from
// GOMAXPROCS goroutines sharing one breaker.
func BenchmarkClosedSuccessParallel(b *testing.B) {
	for _, s := range subjects {
		b.Run("impl="+s.name, func(b *testing.B) {
			ok, _ := s.build(b)
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
}

// BenchmarkOpenReject measures a call rejected by an open breaker, from
// one goroutine.
func BenchmarkOpenReject(b *testing.B) {
	for _, s := range subjects {
		if s.name == "direct" {
			continue
		}
		b.Run("impl="+s.name, func(b *testing.B) {
			ok := tripped(b, s)
			b.ReportAllocs()
			for b.Loop() {
				if ok() == nil {
					b.Fatal("call admitted by an open breaker")
				}
			}
		})
	}
}

// BenchmarkOpenRejectParallel is BenchmarkOpenReject from GOMAXPROCS
// goroutines sharing one breaker.
func BenchmarkOpenRejectParallel(b *testing.B) {
	for _, s := range subjects {
		if s.name == "direct" {
			continue
		}
		b.Run("impl="+s.name, func(b *testing.B) {
			ok := tripped(b, s)
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
}

// tripped builds s's breaker, trips it with tripAfter failures and returns
// its successful call, which the open breaker must now reject.
func tripped(tb testing.TB, s subject) func() error {
	tb.Helper()
	ok, fail := s.build(tb)
	for range tripAfter {
		if err := fail(); !errors.Is(err, errFail) {
			tb.Fatalf("%s: failing call = %v, want %v", s.name, err, errFail)
		}
	}
	if ok() == nil {
		tb.Fatalf("%s: breaker still closed after %d failures", s.name, tripAfter)
	}
	return ok
}
