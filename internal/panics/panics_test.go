package panics

import (
	"bytes"
	"errors"
	"runtime"
	"sync"
	"testing"
)

func TestCapturePanic(t *testing.T) {
	var value any
	var stack []byte
	func() {
		defer func() { value, stack = Capture(recover()) }()
		panic("boom")
	}()
	if value != "boom" {
		t.Errorf("Capture value = %v, want boom", value)
	}
	if !bytes.Contains(stack, []byte("TestCapturePanic")) {
		t.Errorf("Capture stack does not name the panicking function:\n%s", stack)
	}
}

func TestCaptureGoexit(t *testing.T) {
	var value any
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() {
			// recover returns nil while runtime.Goexit unwinds.
			value, _ = Capture(recover())
		}()
		runtime.Goexit()
	}()
	wg.Wait()
	if value != Goexit {
		t.Errorf("Capture(nil) value = %v, want Goexit", value)
	}
}

func TestUnwrap(t *testing.T) {
	err := errors.New("cause")
	if got := Unwrap(err); got != err {
		t.Errorf("Unwrap(err) = %v, want %v", got, err)
	}
	if got := Unwrap("text"); got != nil {
		t.Errorf("Unwrap(string) = %v, want nil", got)
	}
}
