package main

import (
	"testing"

	"github.com/holdfast-go/holdfast/internal/exampletest"
)

func TestRun(t *testing.T) {
	exampletest.Prints(t, run,
		"user:42 = \"Ada Lovelace\"; 51 reads, 1 load",
	)
}

func TestRunBadInput(t *testing.T) {
	exampletest.RejectsArgs(t, run)
}
