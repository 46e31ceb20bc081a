package cache

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/holdfast-go/holdfast/internal/panics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPanicErrorShape(t *testing.T) {
	err := &PanicError{Value: context.Canceled, Stack: []byte("goroutine 1 [running]:\nsecret.frame()")}
	assert.ErrorIs(t, err, context.Canceled, "Unwrap returns an error Value")
	assert.Equal(t, "cache: panic: context canceled", err.Error(), "Error prints the value, not the stack")
	assert.NoError(t, (&PanicError{Value: "text"}).Unwrap(), "Unwrap of a non-error Value")
}

// TestLoaderGoexit checks that a loader that ends its goroutine with
// runtime.Goexit (a t.FailNow in a test loader, say) fails every waiting
// caller with a *PanicError naming runtime.Goexit, instead of leaving them
// waiting forever.
func TestLoaderGoexit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCache(t)
		release := make(chan struct{})
		load := func(context.Context) (string, error) {
			<-release
			runtime.Goexit()
			return "", nil
		}
		const n = 3
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := c.GetOrLoad(context.Background(), "k", load)
				errs <- err
			}()
		}
		synctest.Wait()
		close(release)
		for range n {
			err := <-errs
			var pe *PanicError
			require.ErrorAs(t, err, &pe)
			assert.ErrorIs(t, err, panics.Goexit)
			assert.Contains(t, string(pe.Stack), "TestLoaderGoexit")
		}
		assert.Equal(t, int64(1), c.Stats().LoadErrors)
		// The key is not stuck: the next call loads again.
		v, err := c.GetOrLoad(context.Background(), "k", func(context.Context) (string, error) { return "v", nil })
		require.NoError(t, err)
		assert.Equal(t, "v", v)
	})
}

// TestHookGoexit checks that a hook that calls runtime.Goexit on the
// Cache's subscriber goroutine is reported by Close as a *PanicError
// naming runtime.Goexit, and that invalidations go on being applied.
func TestHookGoexit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		store := newMemoryStore(t, 10)
		a := newCache(t, WithStore(store))
		b, err := New[string](WithStore(store), WithOnInvalidate(func([]string) { runtime.Goexit() }))
		require.NoError(t, err)
		_ = a.Set(ctx, "k", "v1")
		synctest.Wait()
		_ = a.Set(ctx, "k", "v2")
		synctest.Wait()
		assert.Equal(t, int64(2), b.Stats().Invalidations, "invalidations applied after the hook's Goexit")
		err = b.Close()
		var pe *PanicError
		require.ErrorAs(t, err, &pe)
		assert.ErrorIs(t, err, panics.Goexit)
		assert.True(t, strings.HasPrefix(err.Error(), "cache: panic: "), "Error() = %q", err.Error())
	})
}
