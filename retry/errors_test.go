package retry

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{1, io.EOF, nil}, "retry: not retryable after 1 attempt: EOF"},
		{&Error{3, io.EOF, ErrAttemptsExhausted}, "retry: attempts exhausted after 3 attempts: EOF"},
		{&Error{2, io.EOF, ErrBudgetExhausted}, "retry: budget exhausted after 2 attempts: EOF"},
		{&Error{2, io.EOF, ErrOutOfTime}, "retry: no time left for another attempt after 2 attempts: EOF"},
		{&Error{2, io.EOF, ErrBackOffStop}, "retry: backoff returned Stop after 2 attempts: EOF"},
		{&Error{2, io.EOF, context.Canceled}, "retry: stopped by context canceled after 2 attempts: EOF"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorIs(t *testing.T) {
	err := error(&Error{Attempts: 2, Err: io.EOF, Reason: ErrBudgetExhausted})
	tests := []struct {
		target error
		want   bool
	}{
		{io.EOF, true},
		{ErrBudgetExhausted, true},
		{ErrAttemptsExhausted, false},
		{context.Canceled, false},
	}
	for _, tt := range tests {
		if got := errors.Is(err, tt.target); got != tt.want {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, tt.target, got, tt.want)
		}
	}
	if errors.Is(&Error{Attempts: 1, Err: io.EOF}, ErrBudgetExhausted) {
		t.Error("errors.Is(no reason, ErrBudgetExhausted) = true, want false")
	}
	if got := errors.Unwrap(err); got != io.EOF {
		t.Errorf("errors.Unwrap() = %v, want EOF", got)
	}
}

func TestPermanent(t *testing.T) {
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	err := Permanent(io.EOF)
	if !errors.Is(err, io.EOF) || err.Error() != "EOF" || !isPermanent(err) {
		t.Errorf("Permanent(EOF) = %v, want an error that is EOF, reads EOF and is permanent", err)
	}
	if isPermanent(io.EOF) {
		t.Error("isPermanent(EOF) = true, want false")
	}
}

func TestAfter(t *testing.T) {
	if After(nil, time.Second) != nil {
		t.Error("After(nil, 1s) != nil")
	}
	err := After(io.EOF, time.Second)
	if !errors.Is(err, io.EOF) || err.Error() != "EOF" {
		t.Errorf("After(EOF, 1s) = %v, want an error that is EOF and reads EOF", err)
	}
	tests := []struct {
		err  error
		d    time.Duration
		want bool
	}{
		{err, time.Second, true},
		{Permanent(err), time.Second, true},
		{After(io.EOF, 0), 0, true},
		{After(io.EOF, -1), 0, false},
		{io.EOF, 0, false},
	}
	for _, tt := range tests {
		if d, ok := retryAfter(tt.err); d != tt.d && tt.want || ok != tt.want {
			t.Errorf("retryAfter(%v) = %v, %v, want %v, %v", tt.err, d, ok, tt.d, tt.want)
		}
	}
}
