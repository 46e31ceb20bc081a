//go:build !race

package sim

import "time"

// Without the race detector, TestDeterministic runs the scenarios as they
// are, cut 5s into every incident.
const (
	determinismShift = 0
	determinismCut   = 35 * time.Second
)
