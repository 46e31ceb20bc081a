package local

import (
	"errors"
	"fmt"
)

// ErrCost is the error that a [Cache] returns, wrapped in a [*CostError],
// for an entry whose cost is negative or above the cache's whole bound.
var ErrCost = errors.New("local: entry cost out of range")

// CostError reports an entry that a [Cache] refused to store because of its
// cost, as given by the [WithMaxCost] weigher. It wraps [ErrCost].
type CostError struct {
	Cost int64 // the entry's cost
	Max  int64 // the cache's bound
}

var _ error = (*CostError)(nil)

// Error says what the cost was and why it was refused.
func (e *CostError) Error() string {
	if e.Cost < 0 {
		return fmt.Sprintf("local: entry cost %d is negative; entry not stored", e.Cost)
	}
	return fmt.Sprintf("local: entry cost %d exceeds the bound %d; entry not stored", e.Cost, e.Max)
}

// Unwrap returns [ErrCost].
func (e *CostError) Unwrap() error { return ErrCost }
