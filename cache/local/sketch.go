package local

import "math/bits"

// sketch estimates how often each key was accessed recently: a count-min
// sketch of 4-bit counters, sixteen to a word, four counters per key, as in
// TinyLFU (G. Einziger, R. Friedman and B. Manes, "TinyLFU: A Highly
// Efficient Cache Admission Policy", ACM ToS 2017). Every time the additions
// reach ten times the number of words, every counter is halved, so that the
// estimates follow what is popular now rather than what was once.
//
// It grows with the number of entries the cache holds, up to a word per
// entry of the bound, so that a cache never allocates in proportion to a
// bound it does not reach. Growing forgets the counts, as a reset does.
type sketch struct {
	words     []uint64
	additions int
	limit     int // the largest len(words)
}

const (
	sketchMinWords = 16
	// sketchMaxWords caps the sketch at 32 MiB, enough for caches of
	// millions of entries; larger caches share counters more.
	sketchMaxWords = 1 << 22
	sketchResetMul = 10 // additions per word between two halvings
	sketchLowBits  = 0x7777777777777777
)

// sketchSeeds make the four counters of a key independent.
var sketchSeeds = [4]uint64{0x9e3779b97f4a7c15, 0xc2b2ae3d27d4eb4f, 0x165667b19e3779f9, 0xd6e8feb86659fd93}

// init sizes the sketch for a cache of bound units, empty.
func (s *sketch) init(bound int64) {
	s.limit = sketchMaxWords
	if bound < sketchMaxWords {
		s.limit = max(1<<bits.Len64(uint64(bound-1)), sketchMinWords)
	}
	s.words = nil
	s.additions = 0
}

// fit grows the sketch, if it may, so that it has a word per entry of a
// cache holding n entries.
func (s *sketch) fit(n int) {
	if n <= len(s.words) || len(s.words) >= s.limit {
		return
	}
	size := min(max(1<<bits.Len(uint(n-1)), sketchMinWords), s.limit)
	s.words = make([]uint64, size)
	s.additions = 0
}

// counter returns the word and shift of counter i of hash h.
func (s *sketch) counter(h uint64, i int) (*uint64, uint) {
	x := (h ^ h>>31) * sketchSeeds[i]
	x ^= x >> 29
	idx := x & uint64(16*len(s.words)-1)
	return &s.words[idx>>4], uint(idx&15) * 4
}

// add records n accesses of the key of hash h.
func (s *sketch) add(h uint64, n int) {
	if len(s.words) == 0 || n <= 0 {
		return
	}
	for i := range sketchSeeds {
		w, sh := s.counter(h, i)
		c := min(int(*w>>sh&15)+n, 15)
		*w = *w&^(15<<sh) | uint64(c)<<sh
	}
	if s.additions += n; s.additions >= sketchResetMul*len(s.words) {
		s.halve()
	}
}

// estimate returns the estimated recent accesses of the key of hash h, at
// most 15.
func (s *sketch) estimate(h uint64) int {
	if len(s.words) == 0 {
		return 0
	}
	f := 15
	for i := range sketchSeeds {
		w, sh := s.counter(h, i)
		f = min(f, int(*w>>sh&15))
	}
	return f
}

// halve halves every counter and the count of additions.
func (s *sketch) halve() {
	for i, w := range s.words {
		s.words[i] = w >> 1 & sketchLowBits
	}
	s.additions /= 2
}
