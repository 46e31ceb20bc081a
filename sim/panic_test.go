package sim

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestPanicError(t *testing.T) {
	e := &PanicError{Value: io.EOF, Stack: []byte("the stack")}
	if got, want := e.Error(), "sim: panic: EOF"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, io.EOF) {
		t.Errorf("errors.Is(%v, io.EOF) = false, want true", e)
	}
	if (&PanicError{Value: "text"}).Unwrap() != nil {
		t.Errorf("Unwrap() of a string value = non-nil, want nil")
	}
}

// TestRunPanic checks that a panic in a strategy's Call, on one of the
// run's actors, is returned by Run as a PanicError with its stack, rather
// than crashing the program; the run's other requests, blocked in the
// dependency, are ended (goleak checks in TestMain).
func TestRunPanic(t *testing.T) {
	s := validScenario()
	s.Dependencies[0].Latency = Fixed(s.Duration)
	st := Strategy{Name: "bug", New: func(env *Env) (Call, error) {
		dep := env.Dependency("d")
		n := 0
		return func(ctx context.Context) error {
			if n++; n == 3 {
				panic("bug in the strategy")
			}
			return dep(ctx)
		}, nil
	}}
	r, err := Run(s, st, 1)
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "bug in the strategy" {
		t.Fatalf("Run() = %v, %v, want a PanicError with the panic's value", r, err)
	}
	if !strings.Contains(string(pe.Stack), "TestRunPanic") {
		t.Errorf("PanicError.Stack does not name the panicking function:\n%s", pe.Stack)
	}
	if _, err := Compare(s, 1, Plain("ok", "d"), st); !errors.As(err, &pe) {
		t.Errorf("Compare() = %v, want the PanicError", err)
	}
}
