package limit

import (
	"errors"
	"testing"
	"time"
)

// retryAfterer is the shape of retry.RetryAfterer, which a LimitedError
// must satisfy without this package importing retry.
type retryAfterer interface {
	RetryAfter() time.Duration
}

var _ retryAfterer = (*LimitedError)(nil)

func TestLimitedError(t *testing.T) {
	err := error(NewLimitedError("rate", 1500*time.Millisecond))
	if got, want := err.Error(), "limit: rejected by rate, retry after 1.5s"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrLimited) {
		t.Errorf("errors.Is(%v, ErrLimited) = false, want true", err)
	}
	var ra retryAfterer
	if !errors.As(err, &ra) || ra.RetryAfter() != 1500*time.Millisecond {
		t.Errorf("RetryAfter() of %v, want 1.5s", err)
	}
}
