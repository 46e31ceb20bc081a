package fanout_test

import (
	"context"
	"math"
	"testing"

	"github.com/holdfast-go/holdfast/fanout"
)

// TestNilContext checks the nil-context policy of CONTRIBUTING.md: every
// call that takes a ctx returns an error for a nil one, before calling fn.
func TestNilContext(t *testing.T) {
	var nilCtx context.Context
	fn := func(context.Context, int) (int, error) {
		t.Error("fn called with a nil ctx")
		return 0, nil
	}
	tests := []struct {
		name string
		err  func() error
	}{
		{"Map", func() error {
			_, err := fanout.Map(nilCtx, seqInts(3), fn)
			return err
		}},
		{"ForEach", func() error {
			return fanout.ForEach(nilCtx, seqInts(3), func(context.Context, int) error { return nil })
		}},
		{"MapAll", func() error {
			_, err := fanout.MapAll(nilCtx, seqInts(3), fn)
			return err
		}},
		{"New", func() error {
			g, ctx, err := fanout.New(nilCtx)
			if g != nil || ctx != nil {
				t.Errorf("New(nil) = %v, %v, want nil, nil", g, ctx)
			}
			return err
		}},
		{"Hedge", func() error {
			_, err := fanout.Hedge(nilCtx, func(context.Context) (int, error) { return fn(nil, 0) }, 0)
			return err
		}},
		{"Stream", func() error {
			var errs []error
			for _, err := range fanout.Stream(nilCtx, func(yield func(int) bool) { yield(1) }, fn) {
				errs = append(errs, err)
			}
			if len(errs) != 1 {
				t.Errorf("Stream(nil) yielded %d pairs, want 1", len(errs))
				return nil
			}
			return errs[0]
		}},
	}
	for _, tt := range tests {
		if err := tt.err(); err == nil || err.Error() != "fanout: nil Context" {
			t.Errorf("%s(nil ctx) error = %v, want %q", tt.name, err, "fanout: nil Context")
		}
	}
}

// TestHugeLimits checks that no size option allocates in proportion to its
// value: a Group's semaphore of math.MaxInt empty slots, Map's workers
// (bounded by the items) and Hedge's attempts (bounded by those started).
func TestHugeLimits(t *testing.T) {
	ctx := context.Background()
	g, _, err := fanout.New(ctx, fanout.WithLimit(math.MaxInt))
	if err != nil {
		t.Fatalf("New(WithLimit(MaxInt)) error = %v", err)
	}
	g.Go(func(context.Context) error { return nil })
	if err := g.Wait(); err != nil {
		t.Errorf("Group.Wait() = %v, want nil", err)
	}
	out, err := fanout.Map(ctx, seqInts(3), square, fanout.WithLimit(math.MaxInt))
	if err != nil || len(out) != 3 {
		t.Errorf("Map(WithLimit(MaxInt)) = %v, %v, want 3 results", out, err)
	}
	v, err := fanout.Hedge(ctx, func(context.Context) (int, error) { return 1, nil }, 0, fanout.WithMaxAttempts(math.MaxInt))
	if v != 1 || err != nil {
		t.Errorf("Hedge(WithMaxAttempts(MaxInt)) = %v, %v, want 1, nil", v, err)
	}
}
