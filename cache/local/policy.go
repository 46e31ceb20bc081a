package local

// policy is the eviction policy of a Cache, W-TinyLFU (see the package
// documentation): a window queue that every new entry enters; a main space
// split into a probation queue, for entries admitted from the window, and a
// protected queue, for entries read again while in the main space; a
// frequency sketch that decides whether a candidate leaving the window
// replaces the victim at the probation queue's tail; and a hill climber
// that sizes the window.
//
// The queues approximate LRU the way CLOCK does: a read only counts in the
// entry (entry.hits), and the policy, reaching an entry at a queue's tail,
// folds its reads into the sketch and acts on them then (another round in
// the window or the protected queue, promotion out of probation). So a read
// takes no policy lock. All of it is used under the Cache's policy lock;
// the Cache's methods in this file are the steps that also remove entries
// from the index.
type policy[K comparable, V any] struct {
	window, probation, protected queue[K, V]

	bound     int64 // the cache's bound, in cost units
	windowMax int64 // the cost the window may hold, adapted by climber
	sketch    sketch
	climber   climber
	rng       uint64       // state of the random admission of frequent candidates
	inserts   int64        // new entries stored, to pace the climber
	expiring  int          // entries with an expiry time
	spare     *entry[K, V] // a removed entry, zeroed, for the next insert
	hand      *entry[K, V] // the next entry the sweep checks
	handQueue where        // the queue the sweep is walking

	rejections, replaced, evictions, declined, expirations, deletes int64
}

const (
	// windowShare is the window's initial share of the bound, and the share
	// the main space always keeps, as in Caffeine: 1/100.
	windowShare = 100
	// protectedShare is the protected queue's share of the main space,
	// in tenths.
	protectedShare = 8
	// admitThreshold is the estimated frequency from which a candidate that
	// is not more frequent than the victim is still admitted once in
	// admitOdds: an attacker who makes a victim look frequent (by hash
	// collisions in the sketch) cannot then keep every new key out.
	admitThreshold = 6
	admitOdds      = 128
	sweepSteps     = 2 // entries an insert checks for expiry, when some expire
)

func (p *policy[K, V]) init(bound int64) {
	p.bound = bound
	p.windowMax = max(bound/windowShare, 1)
	p.sketch.init(bound)
	p.climber = newClimber(bound)
	p.rng = 0x853c49e6748fea9b
}

// len returns the number of entries held.
func (p *policy[K, V]) len() int { return p.window.len + p.probation.len + p.protected.len }

// cost returns the total cost of the entries held.
func (p *policy[K, V]) cost() int64 { return p.window.cost + p.probation.cost + p.protected.cost }

// mainLen and mainCost are those of the main space.
func (p *policy[K, V]) mainLen() int    { return p.probation.len + p.protected.len }
func (p *policy[K, V]) mainCost() int64 { return p.probation.cost + p.protected.cost }

// mainMax returns the cost the main space may hold.
func (p *policy[K, V]) mainMax() int64 { return p.bound - p.windowMax }

// queue returns the queue that holds e.
func (p *policy[K, V]) queue(e *entry[K, V]) *queue[K, V] { return p.queueAt(e.where) }

// queueAt returns the queue w.
func (p *policy[K, V]) queueAt(w where) *queue[K, V] {
	switch w {
	case inProbation:
		return &p.probation
	case inProtected:
		return &p.protected
	}
	return &p.window
}

// insert adds the new entry e at the window's head and counts its access.
func (p *policy[K, V]) insert(e *entry[K, V]) {
	e.where = inWindow
	p.window.push(e)
	if e.expires.Load() != 0 {
		p.expiring++
	}
	p.sketch.fit(p.len())
	p.sketch.add(e.hash, 1)
	p.inserts++
}

// unlink removes e from its queue, moving the sweep's hand off it.
func (p *policy[K, V]) unlink(e *entry[K, V]) {
	if p.hand == e {
		p.hand = e.next
	}
	p.queue(e).remove(e)
}

// move moves e to the head of the queue w.
func (p *policy[K, V]) move(e *entry[K, V], w where) {
	p.unlink(e)
	e.where = w
	p.queue(e).push(e)
}

// fold adds e's reads since the policy last looked to the sketch, and
// reports whether there were any.
func (p *policy[K, V]) fold(e *entry[K, V]) bool {
	if e.hits.Load() == 0 {
		return false
	}
	p.sketch.add(e.hash, int(e.hits.Swap(0)))
	return true
}

// release counts e, removed from its queue and its shard for reason, and
// keeps it zeroed for the next insert. Readers only use an entry under its
// shard's read protocol (see [shard]), and a write waits for the readers
// inside, so once it is out of the table it can be reused.
func (p *policy[K, V]) release(e *entry[K, V], reason Reason) {
	if e.expires.Load() != 0 {
		p.expiring--
	}
	switch reason {
	case ReasonEvicted:
		p.evictions++
	case ReasonExpired:
		p.expirations++
	case ReasonDeleted:
		p.deletes++
	case ReasonReplaced:
		p.replaced++
	}
	*e = entry[K, V]{}
	p.spare = e
}

// take returns the spare entry, or a new one.
func (p *policy[K, V]) take() *entry[K, V] {
	if e := p.spare; e != nil {
		p.spare = nil
		return e
	}
	return new(entry[K, V])
}

// candidate returns the entry leaving the window: the first one, from the
// tail, that was not read since the policy last passed it, or that has
// expired; those that were read go round again. The window must not be
// empty.
func (p *policy[K, V]) candidate(now int64) *entry[K, V] {
	for range p.window.len {
		e := p.window.tail
		if now != 0 && e.expired(now) || !p.fold(e) {
			return e
		}
		p.move(e, inWindow)
	}
	return p.window.tail
}

// victim returns the main space's entry to evict: the first one from the
// probation queue's tail that was not read since it got there, or that has
// expired; those that were read move to the protected queue. If probation
// empties, it is the protected queue's, found the same way as the
// window's candidate. The main space must not be empty.
func (p *policy[K, V]) victim(now int64) *entry[K, V] {
	// Each pass folds one entry's reads, so without new reads the loop ends
	// within one round of the main space; the cap keeps reads arriving
	// meanwhile (they bump counts outside the policy lock) from keeping it
	// going while it holds the lock.
	for n := p.probation.len + p.protected.len + 1; p.probation.len > 0 && n > 0; n-- {
		e := p.probation.tail
		if now != 0 && e.expired(now) || !p.fold(e) {
			return e
		}
		p.move(e, inProtected)
		p.demote()
	}
	for range p.protected.len {
		e := p.protected.tail
		if now != 0 && e.expired(now) || !p.fold(e) {
			return e
		}
		p.move(e, inProtected)
	}
	return p.protected.tail
}

// demote moves entries from the protected queue's tail to the probation
// queue's head while the protected queue holds more than its share of the
// main space. A demoted entry keeps its count of reads, so that one read
// since it was promoted goes back when it reaches probation's tail.
func (p *policy[K, V]) demote() {
	limit := p.mainMax() * protectedShare / 10
	for p.protected.cost > limit && p.protected.len > 1 {
		p.move(p.protected.tail, inProbation)
	}
}

// admit reports whether cand, leaving the window, should replace victim in
// the main space: if it was accessed more often recently, by the sketch.
func (p *policy[K, V]) admit(cand, victim *entry[K, V]) bool {
	cf, vf := p.sketch.estimate(cand.hash), p.sketch.estimate(victim.hash)
	if cf > vf {
		return true
	}
	if cf < admitThreshold {
		return false
	}
	return p.random()%admitOdds == 0
}

// random returns a pseudo-random number (splitmix64).
func (p *policy[K, V]) random() uint64 {
	p.rng += 0x9e3779b97f4a7c15
	z := p.rng
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// climb lets the climber adjust the window to the request counters.
func (p *policy[K, V]) climb(requests, hits int64) {
	adj := p.climber.observe(requests, hits)
	if adj == 0 {
		return
	}
	p.windowMax = min(max(p.windowMax+adj, 1), max(p.bound-max(p.bound/windowShare, 1), 1))
}

// clear forgets every entry and the policy's history, counting the
// entries as deleted; the caller empties the shards.
func (p *policy[K, V]) clear() {
	p.deletes += int64(p.len())
	bound := p.bound
	counts := [...]int64{p.rejections, p.replaced, p.evictions, p.declined, p.expirations, p.deletes}
	*p = policy[K, V]{}
	p.init(bound)
	p.rejections, p.replaced, p.evictions, p.declined, p.expirations, p.deletes =
		counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]
}

// clock returns the time for the policy's expiry checks: now, or 0 (no
// check) when no entry expires.
func (c *Cache[K, V]) clock() int64 {
	if c.pol.expiring == 0 {
		return 0
	}
	return c.now()
}

// makeRoom evicts until an entry of the given cost fits within the bound,
// or the cache is empty, and returns an entry to fill.
func (c *Cache[K, V]) makeRoom(cost int64, out *[]removed[K, V]) *entry[K, V] {
	p := &c.pol
	now := c.clock()
	for p.cost()+cost > p.bound && p.len() > 0 {
		c.evict(cost, now, out)
	}
	return p.take()
}

// evict removes one entry, or moves one from the window to the main space,
// to make room for an entry of the given cost. The cache must not be empty.
func (c *Cache[K, V]) evict(cost, now int64, out *[]removed[K, V]) {
	p := &c.pol
	p.climber.warm = true
	if p.window.len == 0 || p.window.cost+cost <= p.windowMax && p.mainLen() > 0 {
		c.dropFrom(p.victim(now), now, ReasonEvicted, out)
		return
	}
	cand := p.candidate(now)
	if now != 0 && cand.expired(now) {
		c.dropFrom(cand, now, ReasonExpired, out)
		return
	}
	if p.mainLen() == 0 || p.mainCost()+cand.cost <= p.mainMax() {
		p.move(cand, inProbation)
		return
	}
	victim := p.victim(now)
	if now != 0 && victim.expired(now) {
		c.dropFrom(victim, now, ReasonExpired, out)
		return
	}
	if !p.admit(cand, victim) {
		p.declined++
		c.dropFrom(cand, now, ReasonEvicted, out)
		return
	}
	c.dropFrom(victim, now, ReasonEvicted, out)
	p.move(cand, inProbation)
}

// dropFrom removes e from its queue and the cache for reason, or for
// expiry if it has expired at now.
func (c *Cache[K, V]) dropFrom(e *entry[K, V], now int64, reason Reason, out *[]removed[K, V]) {
	if now != 0 && e.expired(now) {
		reason = ReasonExpired
	}
	c.pol.unlink(e)
	c.dropEntry(e, reason, out)
}

// dropEntry removes e, already out of its queue, from its shard and from
// the cache, recording it in out. c.mu is held.
func (c *Cache[K, V]) dropEntry(e *entry[K, V], reason Reason, out *[]removed[K, V]) {
	s := c.shards[e.hash>>c.shift]
	s.lock()
	s.table.remove(e)
	if out != nil {
		*out = append(*out, removed[K, V]{e.key, e.value, reason})
	}
	s.unlock()
	c.pol.release(e, reason)
}

// recost changes the cost of e, which stays in the cache, making room
// for the new cost without evicting e itself.
func (c *Cache[K, V]) recost(e *entry[K, V], cost int64, out *[]removed[K, V]) {
	p := &c.pol
	if cost == e.cost {
		return
	}
	p.unlink(e)
	// A Set that replaces the value reads the cost under the shard's lock
	// alone (see [Cache.replace]), so it is written under that lock too.
	s := c.shards[e.hash>>c.shift]
	s.mu.Lock()
	e.cost = cost
	s.mu.Unlock()
	now := c.clock()
	for p.cost()+cost > p.bound && p.len() > 0 {
		c.evict(cost, now, out)
	}
	p.queue(e).push(e)
}

// sweep checks a few entries for expiry, walking the queues from tail to
// head one after the other, so that expired entries nobody reads are
// reclaimed.
func (c *Cache[K, V]) sweep(out *[]removed[K, V]) {
	p := &c.pol
	now := c.now()
	for range sweepSteps {
		if p.expiring == 0 {
			return
		}
		e := p.hand
		if e == nil {
			p.handQueue = (p.handQueue + 1) % 3
			if e = p.queueAt(p.handQueue).tail; e == nil {
				continue
			}
		}
		p.hand = e.next
		if e.expired(now) {
			p.unlink(e)
			c.dropEntry(e, ReasonExpired, out)
		}
	}
}
