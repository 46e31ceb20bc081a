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
			"call failed: 503 service unavailable\ncall failed: 503 service unavailable\n  payments: closed -> open\ncall failed: 503 service unavailable\ncall rejected without reaching the dependency\ncall rejected without reaching the dependency\n  payments: open -> half-open\n  payments: half-open -> closed\ncall succeeded\n",
			"state closed, trips 1, rejected 2",
		)
	})
}

func TestRunBadInput(t *testing.T) {
	exampletest.RejectsArgs(t, run)
}
