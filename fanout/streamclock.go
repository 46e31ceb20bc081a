package fanout

import "context"

// streamClock is what a streamer needs on a Clock: its workers, and a
// condition the consumer waits on for results.
type streamClock struct {
	workers *clockGroup // its cond: jobs dispatched, the workers' exits
	results *clockCond  // base: the stream's ctx
}

func newStreamClock(c Clock, ctx context.Context) *streamClock {
	return &streamClock{workers: newClockGroup(c, Unlimited), results: newClockCond(c, ctx)}
}

// clock returns the stream's Clock; nil (package time) when c is nil.
func (c *streamClock) clock() Clock {
	if c == nil {
		return nil
	}
	return c.workers.clock()
}

// waitClock waits in Clock.Wait for an outcome; false when the stream's ctx
// is done first.
func (s *streamer[T, R]) waitClock() (outcome[R], bool) {
	for {
		e := s.onClock.results.epoch()
		select {
		case o := <-s.results:
			return o, true
		default:
		}
		if s.ctx.Err() != nil {
			return outcome[R]{}, false
		}
		s.onClock.results.wait(e)
	}
}

// nextJob waits in Clock.Wait for a job; false once jobs is closed and
// drained (stop closes it, then broadcasts).
func (s *streamer[T, R]) nextJob() (job[T], bool) {
	cond := s.onClock.workers.cond
	for {
		e := cond.epoch()
		select {
		case j, ok := <-s.jobs:
			return j, ok
		default:
		}
		cond.wait(e)
	}
}
