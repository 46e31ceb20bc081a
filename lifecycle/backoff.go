package lifecycle

import "time"

// backoff returns the delay before the n-th restart in a row (n ≥ 1):
// d/2 + u×d/2 with d = min(max, base×2ⁿ⁻¹), for u drawn uniformly from
// [0, 1) (equal jitter). It takes u as a value so that the bounds can be
// tested without a random source.
func backoff(base, max time.Duration, n int, u float64) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		if d > max/2 {
			d = max // doubling would pass max, or overflow
			break
		}
		d *= 2
	}
	return d/2 + time.Duration(u*float64(d-d/2))
}
