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
			"Map: prices [105 105 104 104 106], err <nil>, at most 2 calls at once\n",
			"Map, one shop closed: shop \"closed\": 503 service unavailable\n",
			"MapAll: item 5: price 0, err shop \"closed\": 503 service unavailable",
		)
	})
}

func TestRunBadInput(t *testing.T) {
	exampletest.RejectsArgs(t, run)
}
