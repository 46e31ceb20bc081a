package limit

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

func TestPermitRelease(t *testing.T) {
	b := newBulkhead(t, 2)
	p1, _ := b.TryAcquire()
	p2, _ := b.TryAcquire()
	p1.Release(nil)
	p1.Release(nil) // zeroed by the first Release: does nothing
	if s := b.Stats(); s.InFlight != 1 {
		t.Fatalf("InFlight after releasing one permit twice = %d, want 1", s.InFlight)
	}
	if p1.Valid() || !p2.Valid() {
		t.Fatalf("Valid() = %v, %v, want false, true", p1.Valid(), p2.Valid())
	}
	var zero Permit
	zero.Release(nil)
	p2.Release(nil)
	copyOfReleased := p2
	copyOfReleased.Release(nil)
	if s := b.Stats(); s.InFlight != 0 {
		t.Fatalf("InFlight = %d, want 0", s.InFlight)
	}
}

// TestDoReleasesOnGoexit: a fn that calls runtime.Goexit (t.FailNow in a
// test) still frees its place.
func TestDoReleasesOnGoexit(t *testing.T) {
	b := newBulkhead(t, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = b.Do(context.Background(), func(context.Context) error {
			runtime.Goexit()
			return errors.New("unreachable")
		})
	}()
	<-done
	if s := b.Stats(); s.InFlight != 0 {
		t.Fatalf("Stats().InFlight after Goexit = %d, want 0", s.InFlight)
	}
}
