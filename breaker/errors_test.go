package breaker

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestOpenError(t *testing.T) {
	tests := []struct {
		err  *OpenError
		want string
	}{
		{&OpenError{State: StateOpen, Wait: 1500 * time.Millisecond}, "breaker: open, next probe in 1.5s"},
		{&OpenError{Name: "db", State: StateOpen, Wait: time.Second}, `breaker: "db" open, next probe in 1s`},
		{&OpenError{Name: "db", State: StateHalfOpen}, `breaker: "db" half-open, probes under way`},
		{&OpenError{State: StateForcedOpen}, "breaker: forced open"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		wrapped := fmt.Errorf("call: %w", tt.err)
		var oe *OpenError
		if !errors.Is(wrapped, ErrOpen) || !errors.As(wrapped, &oe) || oe != tt.err {
			t.Errorf("errors.Is/As(%v) failed to find ErrOpen and the *OpenError", wrapped)
		}
	}
}

func TestOpenErrorRetryAfter(t *testing.T) {
	tests := []struct {
		err  *OpenError
		want time.Duration
	}{
		{&OpenError{State: StateOpen, Wait: 1500 * time.Millisecond}, 1500 * time.Millisecond},
		{&OpenError{State: StateHalfOpen}, -1},
		{&OpenError{State: StateForcedOpen}, -1},
	}
	for _, tt := range tests {
		if got := tt.err.RetryAfter(); got != tt.want {
			t.Errorf("%v.RetryAfter() = %v, want %v", tt.err, got, tt.want)
		}
	}
	// The shape retry.RetryAfterer asks for, without importing retry.
	var _ interface{ RetryAfter() time.Duration } = (*OpenError)(nil)
}
