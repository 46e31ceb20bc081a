package cache

import "sync"

// flights runs at most one flight (a Store read and maybe a load) per key
// at a time and lets every caller for the key wait for it. It does what
// x/sync's singleflight does for the Cache, and one thing more: a flight
// whose goroutine ends through runtime.Goexit still finishes, with the
// error its function left in the call, so its callers never wait forever.
type flights[V any] struct {
	mu sync.Mutex
	m  map[string]*flightCall[V]
}

// flightCall is one flight. Its res and err are set by the flight's
// function before done is closed, and read only after.
type flightCall[V any] struct {
	done chan struct{}
	res  flightResult[V]
	err  error
}

// start returns the flight in progress for key, or starts one that runs
// fn on a new goroutine. fn must set the call's res and err, in a deferred
// function if it may end through a panic or runtime.Goexit.
func (g *flights[V]) start(key string, fn func(*flightCall[V])) *flightCall[V] {
	g.mu.Lock()
	if call, ok := g.m[key]; ok {
		g.mu.Unlock()
		return call
	}
	if g.m == nil {
		g.m = make(map[string]*flightCall[V])
	}
	call := &flightCall[V]{done: make(chan struct{})}
	g.m[key] = call
	g.mu.Unlock()
	go g.run(key, call, fn)
	return call
}

// run runs fn and ends the flight, however fn returns.
func (g *flights[V]) run(key string, call *flightCall[V], fn func(*flightCall[V])) {
	defer func() {
		g.forgetCall(key, call)
		close(call.done)
	}()
	fn(call)
}

// forget makes the next start for key begin a new flight, even if one is
// in progress: its callers still get its result.
func (g *flights[V]) forget(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.m, key)
}

// forgetCall is forget, if call is still key's flight.
func (g *flights[V]) forgetCall(key string, call *flightCall[V]) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m[key] == call {
		delete(g.m, key)
	}
}
