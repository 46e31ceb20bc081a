package local

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// model is a reference implementation of the Cache's policy, written for
// clarity rather than speed: each queue is a slice of keys, oldest first,
// and the index is a map. It shares with the Cache only the frequency
// sketch and the hill climber, which TestSketch and TestClimber check on
// their own. TestModel checks that a Cache makes exactly the same
// decisions, whatever its shard count.
type model struct {
	bound     int64
	windowMax int64
	queues    [3][]int // inWindow, inProbation, inProtected
	entries   map[int]*modelEntry
	sketch    sketch
	climber   climber
	rng       policy[int, int] // only its random method is used
	hash      func(int) uint64

	requests, hits, inserts int64
	declined                int64
	removed                 []removed[int, int]
}

type modelEntry struct {
	value int
	cost  int64
	reads int
	where where
}

func newModel(bound int64, hash func(int) uint64) *model {
	m := &model{bound: bound, entries: map[int]*modelEntry{}, hash: hash}
	m.windowMax = max(bound/100, 1)
	m.sketch.init(bound)
	m.climber = newClimber(bound)
	m.rng.init(bound)
	return m
}

func (m *model) cost(w where) int64 {
	total := int64(0)
	for _, k := range m.queues[w] {
		total += m.entries[k].cost
	}
	return total
}

func (m *model) total() int64 { return m.cost(inWindow) + m.cost(inProbation) + m.cost(inProtected) }

func (m *model) mainLen() int { return len(m.queues[inProbation]) + len(m.queues[inProtected]) }

func (m *model) mainMax() int64 { return m.bound - m.windowMax }

// move moves k to the newest end of queue w.
func (m *model) move(k int, w where) {
	e := m.entries[k]
	m.queues[e.where] = slices.DeleteFunc(m.queues[e.where], func(x int) bool { return x == k })
	e.where = w
	m.queues[w] = append(m.queues[w], k)
}

// fold adds k's reads to the sketch and reports whether there were any.
func (m *model) fold(k int) bool {
	e := m.entries[k]
	if e.reads == 0 {
		return false
	}
	m.sketch.add(m.hash(k), e.reads)
	e.reads = 0
	return true
}

func (m *model) read(e *modelEntry) { e.reads = min(e.reads+1, maxHits) }

func (m *model) get(k int) (int, bool) {
	m.requests++
	e, ok := m.entries[k]
	if !ok {
		return 0, false
	}
	m.hits++
	m.read(e)
	return e.value, true
}

func (m *model) set(k, v int, cost int64) {
	if e, ok := m.entries[k]; ok {
		m.removed = append(m.removed, removed[int, int]{k, e.value, ReasonReplaced})
		e.value = v
		m.read(e)
		if e.cost != cost {
			m.queues[e.where] = slices.DeleteFunc(m.queues[e.where], func(x int) bool { return x == k })
			e.cost = cost
			m.makeRoom(cost)
			m.queues[e.where] = append(m.queues[e.where], k)
		}
		return
	}
	m.makeRoom(cost)
	m.entries[k] = &modelEntry{value: v, cost: cost, where: inWindow}
	m.queues[inWindow] = append(m.queues[inWindow], k)
	m.sketch.fit(len(m.entries))
	m.sketch.add(m.hash(k), 1)
	if m.inserts++; m.inserts%climbEvery == 0 {
		if adj := m.climber.observe(m.requests, m.hits); adj != 0 {
			m.windowMax = min(max(m.windowMax+adj, 1), max(m.bound-max(m.bound/100, 1), 1))
		}
	}
}

// reject removes k's old value, as a Set refused for its cost does.
func (m *model) reject(k int) {
	if _, ok := m.entries[k]; ok {
		m.drop(k, ReasonReplaced)
	}
}

func (m *model) delete(k int) bool {
	if _, ok := m.entries[k]; !ok {
		return false
	}
	m.drop(k, ReasonDeleted)
	return true
}

func (m *model) drop(k int, r Reason) {
	e := m.entries[k]
	m.queues[e.where] = slices.DeleteFunc(m.queues[e.where], func(x int) bool { return x == k })
	delete(m.entries, k)
	m.removed = append(m.removed, removed[int, int]{k, e.value, r})
}

func (m *model) makeRoom(cost int64) {
	for m.total()+cost > m.bound && len(m.entries) > 0 {
		m.evict(cost)
	}
}

func (m *model) evict(cost int64) {
	m.climber.warm = true
	window := m.queues[inWindow]
	if len(window) == 0 || m.cost(inWindow)+cost <= m.windowMax && m.mainLen() > 0 {
		m.drop(m.victim(), ReasonEvicted)
		return
	}
	cand := m.candidate()
	if m.mainLen() == 0 || m.cost(inProbation)+m.cost(inProtected)+m.entries[cand].cost <= m.mainMax() {
		m.move(cand, inProbation)
		return
	}
	victim := m.victim()
	cf, vf := m.sketch.estimate(m.hash(cand)), m.sketch.estimate(m.hash(victim))
	admit := cf > vf || cf >= admitThreshold && m.rng.random()%admitOdds == 0
	if !admit {
		m.declined++
		m.drop(cand, ReasonEvicted)
		return
	}
	m.drop(victim, ReasonEvicted)
	m.move(cand, inProbation)
}

// candidate is the oldest window entry not read since it was last looked
// at, those read going round again.
func (m *model) candidate() int {
	for range len(m.queues[inWindow]) {
		k := m.queues[inWindow][0]
		if !m.fold(k) {
			return k
		}
		m.move(k, inWindow)
	}
	return m.queues[inWindow][0]
}

// victim is the oldest probation entry not read since it got there, those
// read moving to the protected queue; else protected's, as candidate.
func (m *model) victim() int {
	for len(m.queues[inProbation]) > 0 {
		k := m.queues[inProbation][0]
		if !m.fold(k) {
			return k
		}
		m.move(k, inProtected)
		for m.cost(inProtected) > m.mainMax()*protectedShare/10 && len(m.queues[inProtected]) > 1 {
			m.move(m.queues[inProtected][0], inProbation)
		}
	}
	for range len(m.queues[inProtected]) {
		k := m.queues[inProtected][0]
		if !m.fold(k) {
			return k
		}
		m.move(k, inProtected)
	}
	return m.queues[inProtected][0]
}

// runModel replays the operations encoded in data against a Cache and
// against the model, failing at the first difference.
func runModel(t *testing.T, data []byte) {
	t.Helper()
	if len(data) < 2 {
		return
	}
	bound := int64(1 + data[0]%64)
	costly := data[1]%2 == 1
	shards := 1 << (data[1] / 2 % 4)
	opts := []Option{WithShards(shards)}
	if costly {
		opts = append(opts, WithMaxCost(bound, func(_ int, v int) int64 { return int64(v % 8) }))
	} else {
		opts = append(opts, WithMaxEntries(int(bound)))
	}
	var hooks hookLog[int, int]
	opts = append(opts, WithOnEvict(hooks.hook))
	c, err := New[int, int](opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	m := newModel(bound, c.hash)
	keys := int(3*bound + 2)
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
				if cost <= bound {
					t.Fatalf("op %d: Set(%d, %d) = %v", i/2, k, v, err)
				}
				m.reject(k)
				break
			}
			m.set(k, v, cost)
			if got, ok := c.Get(k); !ok || got != v {
				t.Fatalf("op %d: Get(%d) right after Set(%d, %d) = %d, %v; want the value set", i/2, k, k, v, got, ok)
			}
			m.get(k)
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
		if st := c.Stats(); st.Cost > bound || st.Window != m.windowMax || st.Declined != m.declined {
			t.Fatalf("op %d: Stats() = %+v; want cost <= %d, window %d, %d declined", i/2, st, bound, m.windowMax, m.declined)
		}
	}
}

func TestModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		data := make([]byte, 2+2*r.IntN(4000))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		// Skew the keys so that some are read often enough to be kept.
		for i := 3; i < len(data); i += 2 {
			if r.IntN(2) == 0 {
				data[i] %= 8
			}
		}
		runModel(t, data)
	}
}

func FuzzModel(f *testing.F) {
	f.Add([]byte{9, 0, 2, 1, 2, 2, 0, 1, 2, 3})
	f.Add(binary.LittleEndian.AppendUint64([]byte{40, 1}, 0x0203020102000301))
	f.Fuzz(runModel)
}
