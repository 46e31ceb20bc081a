package retry

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// BackOff is a [Strategy] with the state of one sequence of retries, so that
// it implements [backoff.BackOff] and works with [backoff.Retry]. It never
// returns [backoff.Stop]; bound it with [backoff.WithMaxRetries] or
// [backoff.WithMaxElapsedTime]. Like cenkalti's backoffs, a BackOff is not
// safe for concurrent use: make one per sequence of retries.
type BackOff struct {
	s    Strategy
	src  rand.Source
	n    int
	prev time.Duration
}

var _ backoff.BackOff = (*BackOff)(nil)

// NewBackOff returns a [BackOff] computing s's delays from src, or from the
// default source (safe for concurrent use, lock-free) when src is nil.
// It reports an invalid s as [Strategy.Validate] does.
func NewBackOff(s Strategy, src rand.Source) (*BackOff, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &BackOff{s: s, src: src}, nil
}

// NextBackOff returns the delay before the next retry.
func (b *BackOff) NextBackOff() time.Duration {
	d := b.s.Delay(b.n, b.prev, b.src)
	b.n++
	b.prev = d
	return d
}

// Reset starts the sequence again from the first retry.
func (b *BackOff) Reset() {
	b.n = 0
	b.prev = 0
}

// LockedSource returns a random source that serializes calls to src with a
// mutex, so that a seeded, deterministic source (such as a *rand.Rand or a
// *rand.PCG, which are not safe for concurrent use) can be given to a Policy
// shared between goroutines. LockedSource(nil) is nil.
func LockedSource(src rand.Source) rand.Source {
	if src == nil {
		return nil
	}
	return &lockedSource{src: src}
}

type lockedSource struct {
	mu  sync.Mutex
	src rand.Source
}

func (l *lockedSource) Uint64() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.src.Uint64()
}
