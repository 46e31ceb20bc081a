package lifecycle

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeLease is a Lease held elsewhere while elsewhere is set; lose makes
// the current holder lose it.
type fakeLease struct {
	mu        sync.Mutex
	elsewhere bool
	lost      chan struct{} // closed to take the lease from the holder
}

func newFakeLease() *fakeLease { return &fakeLease{lost: make(chan struct{})} }

func (l *fakeLease) setElsewhere(b bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.elsewhere = b
}

// lose takes the lease from its holder and gives it to another replica.
func (l *fakeLease) lose() {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.lost)
	l.lost = make(chan struct{})
	l.elsewhere = true
}

func (l *fakeLease) Run(ctx context.Context, fn func(context.Context) error) error {
	l.mu.Lock()
	if l.elsewhere {
		l.mu.Unlock()
		return ErrLeaseHeld
	}
	lost := l.lost
	l.mu.Unlock()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-lost:
			cancel(ErrLeaseLost)
		case <-stop:
		}
	})
	err := fn(ctx)
	close(stop)
	wg.Wait()
	if context.Cause(ctx) == ErrLeaseLost {
		return errors.Join(ErrLeaseLost, err)
	}
	return err
}

func TestTaskWithLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lease := newFakeLease()
		lease.setElsewhere(true)
		r := newRecorder()
		var causes []error
		var mu sync.Mutex
		body := func(ctx context.Context, n int) error {
			if n == 3 { // the third run is still going when the lease is lost
				<-ctx.Done()
				mu.Lock()
				causes = append(causes, context.Cause(ctx))
				mu.Unlock()
			}
			return nil
		}
		task := startTask(t, 10*time.Second, r.run(body), WithLease(lease))
		time.Sleep(25 * time.Second) // ticks at 10s and 20s: held elsewhere
		lease.setElsewhere(false)
		time.Sleep(20 * time.Second) // at 30s: taken, runs at once; again at 40s
		if got, want := r.got(), seconds(30, 40); !slices.Equal(got, want) {
			t.Errorf("runs at %v, want %v", got, want)
		}
		time.Sleep(10 * time.Second) // the run at 50s waits on its ctx
		lease.lose()
		time.Sleep(17 * time.Second) // the tick at 65s: held elsewhere again
		shutdown(t, task)
		if got, want := r.got(), seconds(30, 40, 50); !slices.Equal(got, want) {
			t.Errorf("runs at %v, want %v", got, want)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(causes) != 1 || !errors.Is(causes[0], ErrLeaseLost) {
			t.Errorf("run's ctx causes = %v, want [ErrLeaseLost]", causes)
		}
		if st := task.Stats(); st.NotHeld != 3 || st.Lost != 1 {
			t.Errorf("Stats() = %+v, want NotHeld 3 (10s, 20s, 65s), Lost 1", st)
		}
	})
}

// brokenLease is a Lease whose store cannot be reached.
type brokenLease struct{}

func (brokenLease) Run(context.Context, func(context.Context) error) error { return errFailed }

func TestTaskLeaseFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errs := make(chan error, 10)
		r := newRecorder()
		task := startTask(t, 10*time.Second, r.run(nil), WithLease(brokenLease{}),
			WithOnError(func(err error) { errs <- err }))
		time.Sleep(25 * time.Second)
		shutdown(t, task)
		if st := task.Stats(); st.LeaseFailed != 2 || st.Runs != 0 {
			t.Errorf("Stats() = %+v, want LeaseFailed 2, no runs", st)
		}
		if len(errs) != 2 || <-errs != errFailed {
			t.Errorf("WithOnError got %d errors, want the lease's 2", len(errs))
		}
	})
}
