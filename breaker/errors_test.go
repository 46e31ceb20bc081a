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
		{&OpenError{State: StateOpen, RetryAfter: 1500 * time.Millisecond}, "breaker: open, next probe in 1.5s"},
		{&OpenError{Name: "db", State: StateOpen, RetryAfter: time.Second}, `breaker: "db" open, next probe in 1s`},
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
