package main

import (
	"testing"

	"github.com/holdfast-go/holdfast/internal/exampletest"
)

func TestRun(t *testing.T) {
	exampletest.Prints(t, run,
		"budget 5s: 200 OK: served with a budget of about 1s\n",
		"budget 100ms: 503 Service Unavailable: not enough time left",
	)
}

func TestRunBadInput(t *testing.T) {
	exampletest.RejectsArgs(t, run)
}
