package holdfastotel

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/queue"
)

// TestPoolWaitAndHandleTime runs, in virtual time, three items submitted
// at once to one worker, each taking 10ms, the last failing: they wait 0,
// 10 and 20ms.
func TestPoolWaitAndHandleTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		obs, err := h.in.PoolObserver("mailer")
		if err != nil {
			t.Fatal(err)
		}
		p, err := queue.NewPool(func(_ context.Context, v int) error {
			time.Sleep(10 * time.Millisecond)
			if v == 2 {
				return errors.New("smtp down")
			}
			return nil
		}, queue.WithObserver(obs), queue.WithWorkers(1), queue.WithOnError(func(int, error) {}))
		if err != nil {
			t.Fatal(err)
		}
		for v := range 3 {
			if err := p.TrySubmit(v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		want(t, h.collect(t), map[string]string{
			"holdfast.queue.wait_time{holdfast.name=mailer}":                     "3/0.03",
			"holdfast.queue.handle_time{holdfast.name=mailer}":                   "2/0.02",
			"holdfast.queue.handle_time{error.type=_OTHER,holdfast.name=mailer}": "1/0.01",
		})
	})
}
