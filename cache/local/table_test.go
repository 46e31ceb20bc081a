package local

import (
	"math/rand/v2"
	"testing"
)

// TestTable checks the table against a map under random puts and
// removes, with hashes drawn from a small set so that probe sequences collide
// and wrap around, and some equal hashes for different keys.
func TestTable(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var tab table[int, int] // starts empty, without slots
	want := map[int]*entry[int, int]{}
	hashOf := func(k int) uint64 { return uint64(k%7) * 0x9e3779b97f4a7c15 >> (k % 3) }
	for i := range 20000 {
		k := r.IntN(300)
		if e := want[k]; e != nil {
			tab.remove(e)
			delete(want, k)
		} else {
			e := &entry[int, int]{key: k, hash: hashOf(k)}
			tab.put(e)
			want[k] = e
		}
		if tab.n != len(want) {
			t.Fatalf("step %d: n = %d, want %d", i, tab.n, len(want))
		}
		if i%50 != 0 {
			if got := tab.get(hashOf(k), k); got != want[k] {
				t.Fatalf("step %d: get(%d) = %p, want %p", i, k, got, want[k])
			}
			continue
		}
		for k := range 300 {
			if got := tab.get(hashOf(k), k); got != want[k] {
				t.Fatalf("step %d: get(%d) = %p, want %p", i, k, got, want[k])
			}
		}
	}
}
