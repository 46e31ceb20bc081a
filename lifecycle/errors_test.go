package lifecycle

import (
	"errors"
	"io"
	"syscall"
	"testing"
	"time"
)

func TestErrorStrings(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&PanicError{Value: "boom"}, "lifecycle: panic: boom"},
		{&RestartLimitError{Name: "c", Restarts: 3, Err: io.EOF}, `lifecycle: "c" failed after 3 restarts: EOF`},
		{&StageError{Name: "http", Err: io.EOF}, `lifecycle: stage "http": EOF`},
		{&StageError{Name: "http", Err: io.EOF, Budget: time.Second, CutShort: true}, `lifecycle: stage "http" cut short after its 1s: EOF`},
		{&SignalError{Signal: syscall.SIGTERM}, "lifecycle: received signal terminated"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorsUnwrap(t *testing.T) {
	tests := []error{
		&PanicError{Value: io.EOF},
		&RestartLimitError{Err: io.EOF},
		&StageError{Err: io.EOF},
	}
	for _, err := range tests {
		if !errors.Is(err, io.EOF) {
			t.Errorf("errors.Is(%v, io.EOF) = false, want true", err)
		}
	}
	if err := (&PanicError{Value: "text"}).Unwrap(); err != nil {
		t.Errorf("PanicError{text}.Unwrap() = %v, want nil", err)
	}
}
