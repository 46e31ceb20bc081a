package cache

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
)

type ctxKey struct{}

func TestLifetime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLifetime()
		parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
		ctx, cancel := l.detach(parent, time.Minute)
		defer cancel()
		cancelParent()
		assert.NoError(t, ctx.Err(), "a detached context after its parent's cancellation")
		assert.Equal(t, "v", ctx.Value(ctxKey{}), "a detached context keeps its parent's values")

		timed, cancelTimed := l.detach(context.Background(), time.Second)
		defer cancelTimed()
		time.Sleep(time.Second)
		synctest.Wait()
		assert.ErrorIs(t, timed.Err(), context.DeadlineExceeded, "a detached context past its timeout")

		assert.True(t, l.enter(), "enter before end")
		go func() {
			<-ctx.Done()
			l.exit()
		}()
		l.end() // cancels ctx, then waits for the task
		assert.ErrorIs(t, ctx.Err(), context.Canceled, "a detached context after end")
		assert.False(t, l.enter(), "enter after end")
		late, cancelLate := l.detach(context.Background(), time.Minute)
		defer cancelLate()
		<-late.Done() // detached after the end: done at once
		l.end()       // a second end does nothing
	})
}
