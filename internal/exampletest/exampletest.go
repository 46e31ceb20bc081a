// Package exampletest runs the example programs under examples/ from their
// tests: each program has a run(ctx, args, stdout) function that main
// calls, so a test can run it in-process and check what it printed or the
// error it returned.
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
	PrintsWith(t, run, nil, want...)
}

// PrintsWith runs run with args and fails t unless it succeeds and its
// output contains every string in want.
func PrintsWith(t *testing.T, run RunFunc, args []string, want ...string) {
	t.Helper()
	var out bytes.Buffer
	if err := run(t.Context(), args, &out); err != nil {
		t.Fatalf("run(%q) = %v, want nil\n%s", args, err, out.String())
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("run(%q) output lacks %q:\n%s", args, w, out.String())
		}
	}
}

// Fails fails t unless run, given args, returns an error containing want.
func Fails(t *testing.T, run RunFunc, args []string, want string) {
	t.Helper()
	err := run(t.Context(), args, io.Discard)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("run(%q) = %v, want an error containing %q", args, err, want)
	}
}

// RejectsArgs fails t unless run, given an argument, returns an error saying
// that the program takes no arguments.
func RejectsArgs(t *testing.T, run RunFunc) {
	t.Helper()
	Fails(t, run, []string{"-nope"}, "takes no arguments")
}
