// Package exampletest runs the small example programs under examples/ from
// their tests: each program has a run(ctx, args, stdout) function that main
// calls, so a test can run it in-process and check what it printed.
package exampletest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// RunFunc is the signature of an example program's run function.
type RunFunc func(ctx context.Context, args []string, stdout io.Writer) error

// Prints runs run without arguments and fails t unless it succeeds and its
// output contains every string in want.
func Prints(t *testing.T, run RunFunc, want ...string) {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
		t.Fatalf("run() = %v, want nil", err)
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("run() output lacks %q:\n%s", w, out.String())
		}
	}
}

// RejectsArgs fails t unless run, given an argument, returns an error saying
// that the program takes no arguments.
func RejectsArgs(t *testing.T, run RunFunc) {
	t.Helper()
	err := run(context.Background(), []string{"-nope"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "takes no arguments") {
		t.Errorf(`run("-nope") = %v, want an error saying it takes no arguments`, err)
	}
}
