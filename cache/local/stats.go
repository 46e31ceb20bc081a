package local

// Stats is a snapshot of a [Cache]'s counters, returned by [Cache.Stats].
// The hit and miss counters are summed shard by shard, so under concurrent
// use they are not taken at a single instant; the others are. When the
// cache is quiet, Len == Sets - Replacements - Evictions - Expirations -
// Deletes. Replacements, Evictions, Expirations and Deletes each count the
// calls of the [WithOnEvict] hook with the matching [Reason].
type Stats struct {
	Hits         int64 // Gets that found a live entry
	Misses       int64 // Gets that did not
	Sets         int64 // values stored by Set and SetWithTTL
	Rejections   int64 // Sets refused for their cost (see [CostError])
	Replacements int64 // entries replaced by a Set for the same key
	Evictions    int64 // entries removed by the eviction policy, Declined included
	// Declined counts the new entries that the admission filter evicted in
	// favour of a resident entry it judged more likely to be read again:
	// each was stored, readable until then, and is counted in Evictions too.
	Declined    int64
	Expirations int64 // expired entries removed
	Deletes     int64 // entries removed by Delete or Clear
	Len         int   // entries held, as [Cache.Len]
	Cost        int64 // total cost of the entries held
	// Window is the cost that the policy currently lets its admission
	// window hold, as adapted to the workload (see the package documentation).
	Window int64
}

// HitRatio returns Hits / (Hits + Misses), or 0 before the first Get.
func (s Stats) HitRatio() float64 {
	if s.Hits+s.Misses == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Hits+s.Misses)
}
