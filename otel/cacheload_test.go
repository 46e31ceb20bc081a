package holdfastotel

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/cache"
)

// TestCacheLoadTime runs, in virtual time, a 30ms load, a hit, a load
// failing after 10ms, a not-found and a panic, with keys and an error
// that carry a tenant: the histogram has one point per outcome, and no
// attribute value comes from a key or an error.
func TestCacheLoadTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		obs, err := h.in.CacheObserver("accounts")
		if err != nil {
			t.Fatal(err)
		}
		c, err := cache.New[string](cache.WithObserver(obs))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		reg, err := h.in.ObserveCache("accounts", c.Stats)
		if err != nil {
			t.Fatal(err)
		}
		defer reg.Unregister()
		ctx := context.Background()
		secret := "tenant-7/user-42"
		load := func(d time.Duration, err error) func(context.Context) (string, error) {
			return func(context.Context) (string, error) {
				time.Sleep(d)
				if err == nil {
					return "ada", nil
				}
				return "", err
			}
		}
		_, _ = c.GetOrLoad(ctx, secret+"/a", load(30*time.Millisecond, nil))
		_, _ = c.GetOrLoad(ctx, secret+"/a", load(time.Hour, nil)) // a hit
		_, _ = c.GetOrLoad(ctx, secret+"/b", load(10*time.Millisecond, errors.New("GET /"+secret+": refused")))
		_, _ = c.GetOrLoad(ctx, secret+"/c", load(0, cache.ErrNotFound))
		_, _ = c.GetOrLoad(ctx, secret+"/d", func(context.Context) (string, error) { panic("bang " + secret) })
		got := h.collect(t)
		want(t, got, map[string]string{
			"holdfast.cache.load_time{holdfast.name=accounts}":                      "1/0.03",
			"holdfast.cache.load_time{error.type=_OTHER,holdfast.name=accounts}":    "1/0.01",
			"holdfast.cache.load_time{error.type=not_found,holdfast.name=accounts}": "1/0",
			"holdfast.cache.load_time{error.type=panic,holdfast.name=accounts}":     "1/0",
			"holdfast.cache.loads{holdfast.name=accounts}":                          "4",
			"holdfast.cache.load_errors{holdfast.name=accounts}":                    "2",
		})
		for k := range got {
			if strings.Contains(k, "tenant") || strings.Contains(k, "refused") || strings.Contains(k, "bang") {
				t.Errorf("data point %s carries a key or an error's text", k)
			}
		}
	})
}

func TestCacheObserverBadName(t *testing.T) {
	h := newHarness(t)
	if _, err := h.in.CacheObserver("https://x/y"); err == nil || !strings.Contains(err.Error(), "CacheObserver") {
		t.Errorf("CacheObserver(URL) = %v, want an error naming CacheObserver", err)
	}
}
