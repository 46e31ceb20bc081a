package local

// table is a shard's index: an open-addressing hash table with linear
// probing over the keys' hashes, which the Cache has already computed to
// pick the shard. A Go map would hash every key a second time; here a lookup
// is one probe sequence comparing 64-bit hashes, and the key of a slot is
// only compared when its hash matches. It is not safe for concurrent use:
// the shard's lock guards it, readers sharing it. It allocates its slots on
// the first put and shrinks as entries leave.
type table[K comparable, V any] struct {
	slots []slot[K, V] // len is 0 or a power of two, at most 3/4 full
	n     int
}

type slot[K comparable, V any] struct {
	hash  uint64
	entry *entry[K, V] // nil for an empty slot
}

const tableMin = 8

// get returns the entry for key k of hash h, or nil.
func (t *table[K, V]) get(h uint64, k K) *entry[K, V] {
	if len(t.slots) == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.entry == nil {
			return nil
		}
		if s.hash == h && s.entry.key == k {
			return s.entry
		}
	}
}

// put adds e, whose key must not be in the table.
func (t *table[K, V]) put(e *entry[K, V]) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.resize(max(2*len(t.slots), tableMin))
	}
	t.place(e)
	t.n++
}

func (t *table[K, V]) place(e *entry[K, V]) {
	mask := uint64(len(t.slots) - 1)
	i := e.hash & mask
	for t.slots[i].entry != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = slot[K, V]{e.hash, e}
}

func (t *table[K, V]) resize(size int) {
	old := t.slots
	t.slots = make([]slot[K, V], size)
	for _, s := range old {
		if s.entry != nil {
			t.place(s.entry)
		}
	}
}

// remove removes e, which must be in the table, shifting back the entries
// after it in its probe sequence so that no lookup stops early at the hole.
func (t *table[K, V]) remove(e *entry[K, V]) {
	mask := uint64(len(t.slots) - 1)
	i := e.hash & mask
	for t.slots[i].entry != e {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; t.slots[j].entry != nil; j = (j + 1) & mask {
		// Move the entry at j into the hole at i unless its home slot lies
		// cyclically in (i, j], where a lookup would find it without passing i.
		home := t.slots[j].hash & mask
		if (j-home)&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = slot[K, V]{}
	t.n--
	if t.n < len(t.slots)/8 && len(t.slots) > tableMin {
		t.resize(len(t.slots) / 2)
	}
}

// all calls f for every entry.
func (t *table[K, V]) all(f func(*entry[K, V])) {
	for _, s := range t.slots {
		if s.entry != nil {
			f(s.entry)
		}
	}
}
