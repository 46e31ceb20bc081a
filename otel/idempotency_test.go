package holdfastotel

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
)

// TestIdempotency runs a first call, a replay, a conflict, a call
// rejected while the key is in progress and one failing open.
func TestIdempotency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		g, err := idempotency.New(idempotency.WithInProgress(idempotency.Reject))
		if err != nil {
			t.Fatal(err)
		}
		reg, err := h.in.ObserveIdempotency("orders", g.Stats)
		if err != nil {
			t.Fatal(err)
		}
		defer reg.Unregister()
		ctx := context.Background()
		ok := func(context.Context) (int, error) { return 1, nil }
		_, _, _ = idempotency.Do(ctx, g, "a", "fp", ok)
		_, _, _ = idempotency.Do(ctx, g, "a", "fp", ok)
		_, _, _ = idempotency.Do(ctx, g, "a", "other", ok)
		release := make(chan struct{})
		go func() {
			_, _, _ = idempotency.Do(ctx, g, "b", "fp", func(context.Context) (int, error) {
				<-release
				return 2, nil
			})
		}()
		synctest.Wait()
		_, _, _ = idempotency.Do(ctx, g, "b", "fp", ok)
		close(release)
		synctest.Wait()
		want(t, h.collect(t), map[string]string{
			"holdfast.idempotency.calls{holdfast.idempotency.result=executed,holdfast.name=orders}":  "2",
			"holdfast.idempotency.calls{holdfast.idempotency.result=replayed,holdfast.name=orders}":  "1",
			"holdfast.idempotency.calls{holdfast.idempotency.result=conflict,holdfast.name=orders}":  "1",
			"holdfast.idempotency.calls{holdfast.idempotency.result=rejected,holdfast.name=orders}":  "1",
			"holdfast.idempotency.calls{holdfast.idempotency.result=fail_open,holdfast.name=orders}": "0",
			"holdfast.idempotency.waits{holdfast.name=orders}":                                       "0",
			"holdfast.idempotency.store_errors{holdfast.name=orders}":                                "0",
		})
	})
}

// downStore is an idempotency Store whose Acquire fails.
type downStore struct{ idempotency.Store }

func (downStore) Acquire(context.Context, string, string, time.Duration) (idempotency.Acquisition, error) {
	return idempotency.Acquisition{}, errors.New("store down")
}

func TestIdempotencyFailOpen(t *testing.T) {
	h := newHarness(t)
	g, err := idempotency.New(idempotency.WithStore(downStore{}), idempotency.WithFailOpen(func(string, error) {}))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := h.in.ObserveIdempotency("orders", g.Stats)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	_, _, _ = idempotency.Do(context.Background(), g, "a", "fp", func(context.Context) (int, error) { return 1, nil })
	want(t, h.collect(t), map[string]string{
		"holdfast.idempotency.calls{holdfast.idempotency.result=fail_open,holdfast.name=orders}": "1",
		"holdfast.idempotency.calls{holdfast.idempotency.result=executed,holdfast.name=orders}":  "0",
		"holdfast.idempotency.store_errors{holdfast.name=orders}":                                "1",
	})
}

func TestObserveIdempotencyBadInput(t *testing.T) {
	h := newHarness(t)
	if _, err := h.in.ObserveIdempotency("orders", nil); err == nil || !strings.Contains(err.Error(), "ObserveIdempotency") {
		t.Errorf("ObserveIdempotency(nil) = %v, want an error naming ObserveIdempotency", err)
	}
	g, _ := idempotency.New()
	if _, err := h.in.ObserveIdempotency("tenant 7", g.Stats); err == nil {
		t.Error("ObserveIdempotency(\"tenant 7\") = nil error, want the name refused")
	}
}
