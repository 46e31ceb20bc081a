package lifecycle

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/holdfast-go/holdfast/internal/panics"
)

func TestCall(t *testing.T) {
	ctx := context.WithValue(context.Background(), errFailed, 1)
	var got context.Context
	if err := call(ctx, func(ctx context.Context) error { got = ctx; return errFailed }); err != errFailed || got != ctx {
		t.Errorf("call = %v with ctx %v, want errFailed with the given ctx", err, got)
	}
	if err := call(ctx, func(context.Context) error { return nil }); err != nil {
		t.Errorf("call = %v, want nil", err)
	}
}

func TestCallPanic(t *testing.T) {
	err := call(context.Background(), func(context.Context) error { panic(errFailed) })
	var pe *PanicError
	if !errors.As(err, &pe) || !errors.Is(err, errFailed) {
		t.Fatalf("call = %v, want a *PanicError wrapping errFailed", err)
	}
	if !bytes.Contains(pe.Stack, []byte("TestCallPanic")) {
		t.Errorf("stack does not show the panicking function:\n%s", pe.Stack)
	}
}

func TestCallGoexit(t *testing.T) {
	err := call(context.Background(), func(context.Context) error {
		runtime.Goexit()
		return nil
	})
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != panics.Goexit {
		t.Errorf("call = %v, want a *PanicError naming runtime.Goexit", err)
	}
}
