package fanout_test

import (
	"context"
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
