package sim

import (
	"context"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/deadline"
)

// TestVirtualDeadline checks that a request's deadline is on the virtual
// clock, and that deadline's budget functions on the run's clock see it.
func TestVirtualDeadline(t *testing.T) {
	s := validScenario()
	var remaining []time.Duration
	var fracDeadlines []time.Duration
	st := Strategy{Name: "budgets", New: func(env *Env) (Call, error) {
		budgets := deadline.On(env.Clock())
		d := env.Dependency("d")
		return func(ctx context.Context) error {
			rem, _ := budgets.Remaining(ctx)
			remaining = append(remaining, rem)
			fctx, cancel, err := budgets.Fraction(ctx, 0.25)
			if err != nil {
				return err
			}
			defer cancel()
			dl, _ := fctx.Deadline()
			fracDeadlines = append(fracDeadlines, dl.Sub(env.Clock().Now()))
			return d(fctx)
		}, nil
	}}
	r, err := Run(s, st, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK != r.Requests || len(remaining) != r.Requests {
		t.Fatalf("Run() = %d ok of %d, %d calls, want all ok", r.OK, r.Requests, len(remaining))
	}
	for i := range remaining {
		if remaining[i] != time.Second || fracDeadlines[i] != 250*time.Millisecond {
			t.Fatalf("request %d: Remaining = %v, Fraction(0.25) deadline in %v, want 1s and 250ms", i, remaining[i], fracDeadlines[i])
		}
	}
}
