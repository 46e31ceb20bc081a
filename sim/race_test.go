//go:build race

package sim

import "time"

// Under the race detector, which makes runs several times slower,
// TestDeterministic moves the incidents from t=30s to t=3s and cuts the
// runs at 6s.
const (
	determinismShift = 27 * time.Second
	determinismCut   = 6 * time.Second
)
