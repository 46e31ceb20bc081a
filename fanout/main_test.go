package fanout_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/holdfast-go/holdfast/fanout"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var errBoom = errors.New("boom")

// tracker measures how many calls run at once.
type tracker struct {
	running, max, calls atomic.Int64
}

func (tr *tracker) enter() {
	tr.calls.Add(1)
	n := tr.running.Add(1)
	for {
		m := tr.max.Load()
		if n <= m || tr.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func (tr *tracker) exit() { tr.running.Add(-1) }

// wantPanic checks that err is a *fanout.PanicError with the given value.
func wantPanic(t *testing.T, err error, value any) *fanout.PanicError {
	t.Helper()
	var pe *fanout.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want a *PanicError", err)
	}
	if pe.Value != value {
		t.Fatalf("PanicError.Value = %v, want %v", pe.Value, value)
	}
	if !strings.Contains(string(pe.Stack), "fanout_test") {
		t.Fatalf("PanicError.Stack does not show the panicking function:\n%s", pe.Stack)
	}
	return pe
}
