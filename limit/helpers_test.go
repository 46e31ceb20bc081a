package limit

import (
	"errors"
	"testing"
	"time"
)

// mustLimited fails t unless err matches ErrLimited with the hint want.
func mustLimited(t *testing.T, err error, want time.Duration) {
	t.Helper()
	if !errors.Is(err, ErrLimited) {
		t.Fatalf("err = %v, want ErrLimited", err)
	}
	var ra interface{ RetryAfter() time.Duration }
	if !errors.As(err, &ra) || ra.RetryAfter() != want {
		t.Fatalf("RetryAfter of %v, want %v", err, want)
	}
}

func newBulkhead(t testing.TB, n int, opts ...BulkheadOption) *Bulkhead {
	t.Helper()
	b, err := NewBulkhead(n, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
