package main

import (
	"testing"
	"testing/synctest"

	"github.com/holdfast-go/holdfast/internal/exampletest"
)

func TestRun(t *testing.T) {
	// The program waits in real time; the bubble's fake clock makes it
	// instant and its output exact.
	synctest.Test(t, func(t *testing.T) {
		exampletest.Prints(t, run,
			"attempt 1 failed: connection reset; retrying\nattempt 2 failed: connection reset; retrying\ngot \"pong\" after 3 attempts\n",
			"not retried: 1 attempt",
		)
	})
}

func TestRunBadInput(t *testing.T) {
	exampletest.RejectsArgs(t, run)
}
