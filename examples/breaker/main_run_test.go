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
		"call failed: 503 service unavailable\ncall failed: 503 service unavailable\n  payments: closed -> open\ncall failed: 503 service unavailable\ncall rejected without reaching the dependency\ncall rejected without reaching the dependency\n  payments: open -> half-open\n  payments: half-open -> closed\ncall succeeded\n",
		"state closed, trips 1, rejected 2",
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
