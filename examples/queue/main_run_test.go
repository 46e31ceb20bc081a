package main

import (
	"testing"

	"github.com/holdfast-go/holdfast/internal/exampletest"
)

func TestRun(t *testing.T) {
	exampletest.Prints(t, run,
		"accepted 20: handled 15 (sum of orders 150), dead letters 5, returned 0",
	)
}

func TestRunBadInput(t *testing.T) {
	exampletest.RejectsArgs(t, run)
}
