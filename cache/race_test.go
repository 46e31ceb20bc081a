//go:build race

package cache

// raceEnabled is true under the race detector, whose sync.Pool drops a
// share of what is put in it, so allocation counts that rely on a pool do
// not hold there.
const raceEnabled = true
