package fanout_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/internal/panics"
)

// TestPanicErrorShape checks the shape every package's PanicError shares
// (CONTRIBUTING.md): a one-line Error without the stack, the stack in
// Stack, Unwrap to an error value.
func TestPanicErrorShape(t *testing.T) {
	cause := errors.New("boom")
	err := fanout.ForEach(context.Background(), []int{1}, func(context.Context, int) error {
		panic(cause)
	})
	pe := wantPanic(t, err, cause)
	if got, want := err.Error(), "fanout: panic: boom"; got != want {
		t.Errorf("Error() = %q, want %q (no stack)", got, want)
	}
	if !errors.Is(err, cause) {
		t.Errorf("errors.Is(%v, cause) = false, want true", err)
	}
	if !strings.Contains(string(pe.Stack), "TestPanicErrorShape") {
		t.Errorf("Stack does not name the panicking function:\n%s", pe.Stack)
	}
}

// TestPanicErrorGoexit checks that runtime.Goexit in a task is reported
// with the Value of internal/panics, as in every package. (Map runs tasks on
// the calling goroutine too: TestMapGoexit.)
func TestPanicErrorGoexit(t *testing.T) {
	tests := []struct {
		name string
		run  func(fn func()) error
	}{
		{"Group", func(fn func()) error {
			g, _, _ := fanout.New(context.Background())
			g.Go(func(context.Context) error { fn(); return nil })
			return g.Wait()
		}},
		{"Hedge", func(fn func()) error {
			_, err := fanout.Hedge(context.Background(), func(context.Context) (int, error) {
				fn()
				return 0, nil
			}, 0)
			return err
		}},
		{"Stream", func(fn func()) error {
			var last error
			for _, err := range fanout.Stream(context.Background(), func(yield func(int) bool) { yield(1) }, func(context.Context, int) (int, error) {
				fn()
				return 0, nil
			}) {
				last = err
			}
			return last
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(runtime.Goexit)
			var pe *fanout.PanicError
			if !errors.As(err, &pe) || pe.Value != panics.Goexit {
				t.Fatalf("%s error = %v, want a *PanicError with Value panics.Goexit", tt.name, err)
			}
			if !errors.Is(err, panics.Goexit) {
				t.Errorf("errors.Is(%v, panics.Goexit) = false, want true", err)
			}
		})
	}
}
