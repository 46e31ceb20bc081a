package main

import (
	"testing"

	"github.com/holdfast-go/holdfast/internal/exampletest"
)

func TestRun(t *testing.T) {
	exampletest.Prints(t, run,
		"attempt 1 failed: connection reset; retrying\nattempt 2 failed: connection reset; retrying\ngot \"pong\" after 3 attempts\n",
		"not retried: 1 attempt",
	)
}

func TestRunBadInput(t *testing.T) {
	exampletest.RejectsArgs(t, run)
}
