package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// live prints one line a second: the phase and the counts so far.
type live struct {
	s     *system
	out   io.Writer
	begin time.Time
	done  chan struct{}
	wg    sync.WaitGroup

	mu    sync.Mutex
	phase string
}

func newLive(s *system, out io.Writer, begin time.Time) *live {
	l := &live{s: s, out: out, begin: begin, done: make(chan struct{}), phase: "start"}
	l.wg.Go(l.loop)
	return l
}

func (l *live) set(phase string) {
	l.mu.Lock()
	l.phase = phase
	l.mu.Unlock()
	fmt.Fprintf(l.out, "-- %s\n", phase)
}

func (l *live) stop() {
	close(l.done)
	l.wg.Wait()
}

func (l *live) loop() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
			l.print()
		}
	}
}

// print writes the live line.
func (l *live) print() {
	l.mu.Lock()
	phase := l.phase
	l.mu.Unlock()
	c, p := l.s.clients, l.s.provider
	w, alive := l.s.workerTotals()
	accepted, charged := c.accepted.Load(), p.executed.Load()
	fmt.Fprintf(l.out, "%4.0fs %-14s orders %5d accepted %5d shed %4d replayed %3d | charged %5d dead %3d in flight %2d reclaimed %2d | workers %d/%d | provider 503 %4d 429 %3d lost %3d replays %3d\n",
		time.Since(l.begin).Seconds(), phase, c.next.Load(), accepted, c.shed.Load(), c.replayed.Load(),
		charged, w.DeadLettered, w.InFlight, w.Reclaimed, alive, len(l.s.workers),
		p.refused.Load(), p.limited.Load(), p.lost.Load(), p.replayed.Load())
}
