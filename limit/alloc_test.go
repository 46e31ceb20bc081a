package limit

import (
	"context"
	"testing"
)

// TestHotPathAllocs: acquiring and releasing a free place allocates
// nothing, on every limiter.
func TestHotPathAllocs(t *testing.T) {
	ctx := context.Background()
	b := newBulkhead(t, 4)
	a, _ := NewVegas()
	th, _ := NewThrottle()
	for _, l := range []Limiter{b, a, th} {
		allocs := testing.AllocsPerRun(1000, func() {
			p, err := l.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			p.Release(nil)
		})
		if allocs != 0 {
			t.Errorf("Acquire+Release of %T allocates %v times, want 0", l, allocs)
		}
	}
}
