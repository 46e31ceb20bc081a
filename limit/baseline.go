package limit

// baselineEpoch is the number of windows in one epoch of a [baseline]:
// 120 windows, 30s at [DefaultWindow].
const baselineEpoch = 120

// baseline is Vegas's latency without a queue: the smallest latency of
// the windows of the current epoch and of the one before, so it is
// measured again every epoch and a sample ages out after one to two
// epochs. It falls at once when a window is faster, and rises only when
// a whole epoch and the one before it were slower.
type baseline struct {
	cur     int64 // the smallest latency of this epoch, ns
	prev    int64 // the smallest latency of the epoch before, ns
	windows int   // the windows in this epoch so far
}

func (b *baseline) reset() {
	*b = baseline{cur: 1<<63 - 1, prev: 1<<63 - 1}
}

// add folds in a window's smallest latency and returns the baseline, in
// ns, at least 1.
func (b *baseline) add(least int64) int64 {
	b.cur = min(b.cur, least)
	v := max(min(b.cur, b.prev), 1)
	b.windows++
	if b.windows == baselineEpoch {
		b.prev, b.cur, b.windows = b.cur, 1<<63-1, 0
	}
	return v
}
