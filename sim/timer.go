package sim

import "time"

// timer is a function to run at a virtual time.
type timer struct {
	c     *Clock
	at    time.Duration
	seq   uint64
	f     func()
	index int // in the heap; -1 once popped or stopped
}

// Stop prevents the timer from firing and reports whether it did.
func (t *timer) Stop() bool {
	if t.index < 0 {
		return false
	}
	t.c.timers.remove(t.index)
	return true
}

// timerHeap is a binary min-heap of timers, ordered by time, then by the
// order they were set. That order is total (no two timers have the same
// seq), so the order in which timers are popped does not depend on how
// the heap arranges them.
type timerHeap []*timer

func (h timerHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

// up moves the timer at i towards the root until its parent is before it.
func (h timerHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

// down moves the timer at i away from the root, within the first n,
// until its children are after it, and reports whether it moved.
func (h timerHeap) down(i, n int) bool {
	start := i
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if right := child + 1; right < n && h.less(right, child) {
			child = right
		}
		if !h.less(child, i) {
			break
		}
		h.swap(i, child)
		i = child
	}
	return i > start
}

func (h *timerHeap) push(t *timer) {
	t.index = len(*h)
	*h = append(*h, t)
	h.up(t.index)
}

// pop removes and returns the first timer; the heap must not be empty.
func (h *timerHeap) pop() *timer {
	t := (*h)[0]
	h.remove(0)
	return t
}

// remove removes the timer at i.
func (h *timerHeap) remove(i int) {
	old := *h
	last := len(old) - 1
	t := old[i]
	if i != last {
		old.swap(i, last)
		if !old.down(i, last) {
			old.up(i)
		}
	}
	old[last] = nil
	*h = old[:last]
	t.index = -1
}
