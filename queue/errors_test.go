package queue

import (
	"errors"
	"testing"
)

func TestPanicError(t *testing.T) {
	tests := []struct {
		value      any
		wantMsg    string
		wantUnwrap error
	}{
		{"boom", "queue: panic: boom", nil},
		{42, "queue: panic: 42", nil},
		{errBoom, "queue: panic: boom", errBoom},
	}
	for _, tt := range tests {
		e := &PanicError{Value: tt.value}
		if got := e.Error(); got != tt.wantMsg {
			t.Errorf("PanicError{%v}.Error() = %q, want %q", tt.value, got, tt.wantMsg)
		}
		if got := e.Unwrap(); got != tt.wantUnwrap {
			t.Errorf("PanicError{%v}.Unwrap() = %v, want %v", tt.value, got, tt.wantUnwrap)
		}
		if got := errors.Is(e, errBoom); got != (tt.wantUnwrap != nil) {
			t.Errorf("errors.Is(PanicError{%v}, errBoom) = %v, want %v", tt.value, got, !got)
		}
	}
}
