package vclock

import "context"

// Parker is implemented by a clock that can block the calling goroutine
// until a function wakes it, with no channel to watch: the simulator's
// clock. A clock whose Wait must look at every blocked goroutine's channel
// to learn which can go on (it cannot be told when a channel is closed)
// wakes a parked goroutine at no such cost. On a Parker, WithDeadline's
// contexts keep a record of what waits on them, so that [Watch] can tell
// the clock, as it happens, that one of them ended, and Sleep parks.
type Parker interface {
	// Park calls arm with a function that wakes the caller, then blocks the
	// caller until that function is called (at once, if arm called it).
	// Calls of the function after Park returned do nothing.
	Park(arm func(wake func()))
}

// node records, for a context made by WithDeadline on a Parker, the
// functions to call when it ends: those of [Watch] and the nodes of its
// children. Only a context whose every ancestor is such a context (or
// never ends) has one: its end can then only come from this package's
// timers and cancel functions, which call end. The goroutines of a
// simulation run one at a time, so a node needs no lock.
type node struct {
	ended    bool
	parent   *node
	watchers []*watcher
	entry    watcher // the node's own entry in its parent's watchers
}

// watcher is a function to call, or the node of a child to end, when a
// node ends.
type watcher struct {
	f     func()
	child *node
}

// newNode returns the node of a child of parent, or nil if parent's end
// would not be seen (it is not one of this package's contexts, or has no
// node).
func newNode(parent context.Context) *node {
	if parent.Done() == nil {
		return &node{}
	}
	p := nodeOf(parent)
	if p == nil {
		return nil
	}
	n := &node{ended: p.ended, parent: p}
	if !n.ended {
		n.entry.child = n
		p.watchers = append(p.watchers, &n.entry)
	}
	return n
}

func nodeOf(ctx context.Context) *node {
	switch c := ctx.(type) {
	case *deadlineCtx:
		return c.node
	case *childCtx:
		return c.node
	}
	return nil
}

func (n *node) remove(w *watcher) {
	for i, x := range n.watchers {
		if x == w {
			last := len(n.watchers) - 1
			n.watchers[i] = n.watchers[last]
			n.watchers[last] = nil
			n.watchers = n.watchers[:last]
			return
		}
	}
}

// end records that the node's context ended, leaves its parent's
// watchers and calls its own (ending its children's nodes), once.
func (n *node) end() {
	if n == nil || n.ended {
		return
	}
	n.ended = true
	if n.parent != nil && !n.parent.ended {
		n.parent.remove(&n.entry)
	}
	ws := n.watchers
	n.watchers = nil
	for _, w := range ws {
		if w.child != nil {
			w.child.end()
		} else {
			w.f()
		}
	}
}

// childCtx is a plain cancelable child (WithDeadline's result when the
// parent's deadline comes first) that carries a node.
type childCtx struct {
	context.Context
	node *node
}

// Watchable reports whether [Watch] can watch ctx: ctx never ends, or it
// was made by WithDeadline (or WithTimeout) on a [Parker], and so was each
// of its ancestors that can end.
func Watchable(ctx context.Context) bool {
	return ctx.Done() == nil || nodeOf(ctx) != nil
}

// Watch calls f when ctx ends (at once if it has), synchronously in the
// goroutine that ends it, and returns the watch, to stop it. It reports
// false, and does nothing, if ctx is not [Watchable].
func Watch(ctx context.Context, f func()) (Watching, bool) {
	if ctx.Done() == nil {
		return Watching{}, true
	}
	n := nodeOf(ctx)
	if n == nil {
		return Watching{}, false
	}
	if n.ended {
		f()
		return Watching{}, true
	}
	w := &watcher{f: f}
	n.watchers = append(n.watchers, w)
	return Watching{n, w}, true
}

// Watching is a watch set by [Watch].
type Watching struct {
	n *node
	w *watcher
}

// Stop stops the watch: its function will not be called. It does nothing
// if the function was called already.
func (w Watching) Stop() {
	if w.n != nil && !w.n.ended {
		w.n.remove(w.w)
	}
}
