package local

// queue is a queue of entries linked through their prev and next fields,
// with their count and total cost. The policy pushes at the head and takes
// from the tail.
type queue[K comparable, V any] struct {
	head *entry[K, V] // newest
	tail *entry[K, V] // oldest
	len  int
	cost int64
}

func (q *queue[K, V]) push(e *entry[K, V]) {
	e.prev, e.next = q.head, nil
	if q.head != nil {
		q.head.next = e
	} else {
		q.tail = e
	}
	q.head = e
	q.len++
	q.cost += e.cost
}

func (q *queue[K, V]) remove(e *entry[K, V]) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		q.tail = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		q.head = e.prev
	}
	e.prev, e.next = nil, nil
	q.len--
	q.cost -= e.cost
}
