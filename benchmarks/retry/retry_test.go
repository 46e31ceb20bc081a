// Package retry_test compares holdfast's retry.Policy with
// cenkalti/backoff v4 and v5 and failsafe-go's RetryPolicy.
//
// Every side is configured alike: at most 3 attempts in all and no delay
// between attempts (each library's own zero backoff), so the figures are
// the cost of the retry machinery, not of a sleep. impl=direct calls fn
// with no retry at all: the floor, not a peer.
package retry_test

import (
	"context"
	"errors"
	"testing"

	backoffv4 "github.com/cenkalti/backoff/v4"
	backoffv5 "github.com/cenkalti/backoff/v5"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"

	"github.com/holdfast-go/holdfast/retry"
)

// attempts is the attempt cap of every side: the first attempt and two
// retries.
const attempts = 3

var errTransient = errors.New("transient")

// flaky returns a fn that fails every other call: its first attempt in a
// call fails and the retry succeeds.
func flaky() func() error {
	var n int
	return func() error {
		n++
		if n%2 == 1 {
			return errTransient
		}
		return nil
	}
}

func succeed() error { return nil }

// retrier runs fn under one library's retry loop.
type retrier struct {
	name string
	// build returns a call that runs fn under a retry loop; the loop and
	// any adapter of fn to the library's signature are built once.
	build func(tb testing.TB, fn func() error) func() error
}

var retriers = []retrier{
	{"direct", func(_ testing.TB, fn func() error) func() error { return fn }},
	{"holdfast", func(tb testing.TB, fn func() error) func() error {
		p, err := retry.New(
			retry.WithMaxAttempts(attempts),
			retry.WithBackOff(func() backoffv4.BackOff { return &backoffv4.ZeroBackOff{} }),
		)
		if err != nil {
			tb.Fatal(err)
		}
		ctx := context.Background()
		op := func(context.Context) error { return fn() }
		return func() error { return p.Do(ctx, op) }
	}},
	{"backoff-v4", func(_ testing.TB, fn func() error) func() error {
		// A shared BackOff, as a caller on a hot path would keep; Retry
		// resets it on each call. Not safe for concurrent calls.
		b := backoffv4.WithMaxRetries(&backoffv4.ZeroBackOff{}, attempts-1)
		return func() error { return backoffv4.Retry(fn, b) }
	}},
	{"backoff-v5", func(_ testing.TB, fn func() error) func() error {
		ctx := context.Background()
		opts := []backoffv5.RetryOption{
			backoffv5.WithBackOff(&backoffv5.ZeroBackOff{}),
			backoffv5.WithMaxTries(attempts),
		}
		op := func() (struct{}, error) { return struct{}{}, fn() }
		return func() error {
			_, err := backoffv5.Retry(ctx, op, opts...)
			return err
		}
	}},
	{"failsafe", func(_ testing.TB, fn func() error) func() error {
		rp := retrypolicy.NewBuilder[any]().WithMaxAttempts(attempts).Build()
		exec := failsafe.With[any](rp)
		return func() error { return exec.Run(fn) }
	}},
}

// BenchmarkSuccessFirstTry measures a call whose first attempt succeeds:
// the overhead every call pays when the dependency is healthy.
func BenchmarkSuccessFirstTry(b *testing.B) {
	for _, r := range retriers {
		b.Run("impl="+r.name, func(b *testing.B) {
			call := r.build(b, succeed)
			b.ReportAllocs()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOneRetry measures a call whose first attempt fails and whose
// second succeeds, with no delay between them.
func BenchmarkOneRetry(b *testing.B) {
	for _, r := range retriers {
		if r.name == "direct" {
			continue
		}
		b.Run("impl="+r.name, func(b *testing.B) {
			call := r.build(b, flaky())
			b.ReportAllocs()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
