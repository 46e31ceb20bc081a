package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{
		"user:42 = \"Ada Lovelace\"; 51 reads, 1 load",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunBadInput(t *testing.T) {
	err := run(context.Background(), []string{"-nope"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "takes no arguments") {
		t.Errorf(`run("-nope") = %v, want an error saying it takes no arguments`, err)
	}
}
