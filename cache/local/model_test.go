package local

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// localModel is a reference implementation of S3-FIFO for one shard, written
// for clarity rather than speed: queues are slices (oldest first) and the
// index is a map. It shares only the ghost queue with Local, which
// TestLocalGhost checks on its own, since its lossiness is part of the policy.
// TestLocalModel checks that a Local with one shard makes exactly the same
// decisions.
type localModel struct {
	capacity int64
	small    []int // keys, oldest first
	main     []int
	ghost    localGhost
	hash     func(int) uint64
	entries  map[int]*localModelEntry
	removed  []localRemoved[int, int]
}

type localModelEntry struct {
	value, freq int
	cost        int64
	inMain      bool
}

func newLocalModel(capacity int64, hash func(int) uint64) *localModel {
	return &localModel{capacity: capacity, hash: hash, entries: map[int]*localModelEntry{}}
}

func (m *localModel) ghostLimit() int { return len(m.entries) - len(m.entries)/10 }

func (m *localModel) cost(q []int) int64 {
	total := int64(0)
	for _, k := range q {
		total += m.entries[k].cost
	}
	return total
}

func (m *localModel) get(k int) (int, bool) {
	e, ok := m.entries[k]
	if !ok {
		return 0, false
	}
	e.freq = min(e.freq+1, 3)
	return e.value, true
}

func (m *localModel) set(k, v int, cost int64) {
	if e, ok := m.entries[k]; ok {
		m.removed = append(m.removed, localRemoved[int, int]{k, e.value, ReasonReplaced})
		e.value = v
		e.freq = min(e.freq+1, 3)
		if cost != e.cost {
			m.unqueue(k)
			e.cost = cost
			m.makeRoom(cost)
			m.enqueue(k)
		}
		return
	}
	m.makeRoom(cost)
	e := &localModelEntry{value: v, cost: cost}
	e.inMain = m.ghost.take(m.hash(k), m.ghostLimit())
	m.entries[k] = e
	m.enqueue(k)
}

// reject removes k's old value, as a Set refused for its cost does.
func (m *localModel) reject(k int) {
	if _, ok := m.entries[k]; ok {
		m.drop(k, ReasonReplaced)
	}
}

func (m *localModel) delete(k int) bool {
	if _, ok := m.entries[k]; !ok {
		return false
	}
	m.drop(k, ReasonDeleted)
	return true
}

func (m *localModel) enqueue(k int) {
	if m.entries[k].inMain {
		m.main = append(m.main, k)
	} else {
		m.small = append(m.small, k)
	}
}

func (m *localModel) unqueue(k int) {
	if m.entries[k].inMain {
		m.main = slices.DeleteFunc(m.main, func(x int) bool { return x == k })
	} else {
		m.small = slices.DeleteFunc(m.small, func(x int) bool { return x == k })
	}
}

func (m *localModel) drop(k int, r Reason) {
	m.unqueue(k)
	m.removed = append(m.removed, localRemoved[int, int]{k, m.entries[k].value, r})
	delete(m.entries, k)
}

func (m *localModel) makeRoom(cost int64) {
	for m.cost(m.small)+m.cost(m.main)+cost > m.capacity && len(m.small)+len(m.main) > 0 {
		if len(m.small) > 0 && (m.cost(m.small) >= m.capacity/10 || len(m.main) == 0) {
			m.evictSmall()
		} else {
			m.evictMain()
		}
	}
}

func (m *localModel) evictSmall() {
	for len(m.small) > 0 {
		k := m.small[0]
		e := m.entries[k]
		if e.freq == 0 {
			m.ghost.add(m.hash(k), m.ghostLimit())
			m.drop(k, ReasonEvicted)
			return
		}
		m.small = m.small[1:]
		e.freq, e.inMain = 0, true
		m.main = append(m.main, k)
		if m.cost(m.main) > m.capacity-m.capacity/10 {
			m.evictMain()
		}
	}
}

func (m *localModel) evictMain() {
	for len(m.main) > 0 {
		k := m.main[0]
		e := m.entries[k]
		if e.freq == 0 {
			m.drop(k, ReasonEvicted)
			return
		}
		e.freq--
		m.main = append(m.main[1:], k)
	}
}

// runLocalModel replays the operations encoded in data against a Local with
// one shard and against the model, failing at the first difference.
func runLocalModel(t *testing.T, data []byte) {
	t.Helper()
	if len(data) < 2 {
		return
	}
	capacity := int64(1 + data[0]%64)
	costly := data[1]%2 == 1
	opts := []Option{WithShards(1)}
	if costly {
		opts = append(opts, WithMaxCost(capacity), WithWeigher(func(_ int, v int) int64 { return int64(v % 8) }))
	} else {
		opts = append(opts, WithMaxEntries(int(capacity)))
	}
	var hooks hookLog[int, int]
	opts = append(opts, WithOnEvict(hooks.hook))
	c, err := New[int, int](opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	m := newLocalModel(capacity, c.hash)
	keys := int(2*capacity + 2)
	for i := 2; i+1 < len(data); i += 2 {
		op, k := data[i]%4, int(data[i+1])%keys
		v := i
		switch op {
		case 0, 1:
			got, gok := c.Get(k)
			want, wok := m.get(k)
			if got != want || gok != wok {
				t.Fatalf("op %d: Get(%d) = %d, %v; model %d, %v", i/2, k, got, gok, want, wok)
			}
		case 2:
			cost := int64(1)
			if costly {
				cost = max(int64(v%8), 1)
			}
			if err := c.Set(k, v); err != nil {
				if cost <= capacity {
					t.Fatalf("op %d: Set(%d, %d) = %v", i/2, k, v, err)
				}
				m.reject(k)
				break
			}
			m.set(k, v, cost)
		case 3:
			if got, want := c.Delete(k), m.delete(k); got != want {
				t.Fatalf("op %d: Delete(%d) = %v, model %v", i/2, k, got, want)
			}
		}
		if got := hooks.take(); !slices.Equal(got, m.removed) {
			t.Fatalf("op %d (%d on key %d): removed %v, model removed %v", i/2, op, k, got, m.removed)
		}
		m.removed = m.removed[:0]
		if got, want := c.Len(), len(m.entries); got != want {
			t.Fatalf("op %d: Len() = %d, model %d", i/2, got, want)
		}
	}
}

// TestLocalGhost checks that the ghost queue holds a hash while fewer than
// limit hashes were added after it, when hashes do not collide, and that a
// hash is taken once.
func TestLocalGhost(t *testing.T) {
	const limit = 100
	hash := func(i int) uint64 { return uint64(i) | uint64(i)<<40 } // distinct slots
	for _, n := range []int{1, 50, 100, 101, 250} {
		var g localGhost
		for i := range n {
			g.add(hash(i), limit)
		}
		for i := range n {
			if got, want := g.take(hash(i), limit), i >= n-limit; got != want {
				t.Errorf("after adding %d hashes: take(hash %d) = %v, want %v", n, i, got, want)
			}
			if g.take(hash(i), limit) {
				t.Errorf("after adding %d hashes: second take(hash %d) = true, want false", n, i)
			}
		}
	}
	// A hash colliding with one in the queue replaces it; another fingerprint
	// in the same slot is not mistaken for it.
	var h localGhost
	h.add(1, limit)
	other := uint64(1) | uint64(1)<<50
	if h.take(other, limit) {
		t.Errorf("take of another fingerprint in the same slot = true, want false")
	}
	h.add(other, limit)
	if h.take(1, limit) || !h.take(other, limit) || h.take(other, limit) {
		t.Errorf("colliding hashes: want the newer one held, once")
	}
}

func TestLocalModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		data := make([]byte, 2+2*r.IntN(2000))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		runLocalModel(t, data)
	}
}

func FuzzLocalModel(f *testing.F) {
	f.Add([]byte{9, 0, 2, 1, 2, 2, 0, 1, 2, 3})
	f.Add(binary.LittleEndian.AppendUint64([]byte{40, 1}, 0x0203020102000301))
	f.Fuzz(runLocalModel)
}
