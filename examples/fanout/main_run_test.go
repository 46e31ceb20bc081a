package main

import (
	"testing"

	"github.com/holdfast-go/holdfast/internal/exampletest"
)

func TestRun(t *testing.T) {
	exampletest.Prints(t, run,
		"Map: prices [105 105 104 104 106], err <nil>",
		"Map, one shop closed: shop \"closed\": 503 service unavailable\n",
		"MapAll: item 5: price 0, err shop \"closed\": 503 service unavailable",
	)
}

func TestRunBadInput(t *testing.T) {
	exampletest.RejectsArgs(t, run)
}
