package panics

import (
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCapturePanic(t *testing.T) {
	var value any
	var stack []byte
	func() {
		defer func() { value, stack = Capture(recover()) }()
		panic("boom")
	}()
	assert.Equal(t, "boom", value, "Capture value")
	assert.Contains(t, string(stack), "TestCapturePanic", "Capture stack names the panicking function")
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
	assert.Same(t, Goexit, value, "Capture(nil) value")
}

func TestUnwrap(t *testing.T) {
	err := errors.New("cause")
	assert.Same(t, err, Unwrap(err), "Unwrap(err)")
	assert.Nil(t, Unwrap("text"), "Unwrap(string)")
}
