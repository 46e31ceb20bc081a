package idempotency

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestStatsScripted runs a scripted sequence of calls and checks after
// each one that exactly the expected count moved.
func TestStatsScripted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := newGroup(t, WithPollInterval(10*time.Millisecond))
		ok := func(context.Context) (string, error) { return "v", nil }
		var want Stats
		check := func(step string) {
			t.Helper()
			if got := g.Stats(); got != want {
				t.Errorf("after %s: Stats() = %v, want %v", step, got, want)
			}
		}

		_, _, _ = Do(ctx, g, "a", "fp", ok)
		want.Executions++
		check("a first call")

		_, _, _ = Do(ctx, g, "a", "fp", ok)
		want.Replays++
		check("a repeat")

		_, _, _ = Do(ctx, g, "a", "other", ok)
		want.Conflicts++
		check("a repeat with another fingerprint")

		// b is held for 50ms: one call waits and gets the replay, one
		// gives up waiting after 20ms.
		release := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _, _ = Do(ctx, g, "b", "fp", func(context.Context) (string, error) {
				<-release
				return "v", nil
			})
		}()
		synctest.Wait()
		want.Executions++
		check("b held")

		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		_, _, err := Do(short, g, "b", "fp", ok)
		cancel()
		if !errors.Is(err, ErrInProgress) {
			t.Fatalf("Do(b) with a 20ms ctx = %v, want ErrInProgress", err)
		}
		want.Waited++
		want.Rejected++
		check("a wait that ctx ended")

		waited := make(chan bool)
		go func() {
			_, replayed, _ := Do(ctx, g, "b", "fp", ok)
			waited <- replayed
		}()
		time.Sleep(30 * time.Millisecond)
		close(release)
		<-done
		if !<-waited {
			t.Fatal("the waiting call did not get the replay")
		}
		want.Waited++
		want.Replays++
		check("a wait that got the replay")
	})
}

func TestStatsRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := newGroup(t, WithInProgress(Reject))
		release := make(chan struct{})
		go func() {
			_, _, _ = Do(ctx, g, "k", "fp", func(context.Context) (int, error) {
				<-release
				return 1, nil
			})
		}()
		synctest.Wait()
		if _, _, err := Do(ctx, g, "k", "fp", func(context.Context) (int, error) { return 2, nil }); !errors.Is(err, ErrInProgress) {
			t.Fatalf("Do while held = %v, want ErrInProgress", err)
		}
		close(release)
		synctest.Wait()
		want := Stats{Executions: 1, Rejected: 1}
		if got := g.Stats(); got != want {
			t.Errorf("Stats() = %v, want %v", got, want)
		}
	})
}

// TestStatsStoreErrors fails each Store call in turn.
func TestStatsStoreErrors(t *testing.T) {
	down := errors.New("store down")
	ok := func(context.Context) (string, error) { return "v", nil }
	failing := func(context.Context) (string, error) { return "", errors.New("boom") }
	tests := []struct {
		name  string
		fault func(*faultStore)
		fn    func(context.Context) (string, error)
		want  Stats
	}{
		{"acquire", func(f *faultStore) { f.acquire = fail(down) }, ok, Stats{StoreErrors: 1}},
		{"complete", func(f *faultStore) { f.complete = fail(down) }, ok, Stats{Executions: 1, StoreErrors: 1}},
		{"release", func(f *faultStore) { f.release = fail(down) }, failing, Stats{Executions: 1, StoreErrors: 1}},
		{"release lease lost", func(f *faultStore) { f.release = fail(ErrLeaseLost) }, failing, Stats{Executions: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &faultStore{Store: newMemory(t, 10)}
			tt.fault(f)
			g := newGroup(t, WithStore(f))
			_, _, _ = Do(context.Background(), g, "k", "fp", tt.fn)
			if got := g.Stats(); got != tt.want {
				t.Errorf("Stats() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStatsRenewError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &faultStore{Store: newMemory(t, 10)}
		f.renew = fail(errors.New("store down"))
		g := newGroup(t, WithStore(f), WithLease(30*time.Millisecond))
		_, _, _ = Do(context.Background(), g, "k", "fp", func(context.Context) (int, error) {
			time.Sleep(15 * time.Millisecond) // one renewal, at 10ms
			return 1, nil
		})
		want := Stats{Executions: 1, StoreErrors: 1}
		if got := g.Stats(); got != want {
			t.Errorf("Stats() = %v, want %v", got, want)
		}
	})
}

func TestStatsFailOpen(t *testing.T) {
	f := &faultStore{Store: newMemory(t, 10)}
	f.acquire = fail(errors.New("store down"))
	g := newGroup(t, WithStore(f), WithFailOpen(func(string, error) {}))
	ran := false
	_, _, err := Do(context.Background(), g, "k", "fp", func(context.Context) (int, error) {
		ran = true
		return 1, nil
	})
	if err != nil || !ran {
		t.Fatalf("Do failing open = %v (ran %v), want nil, a run", err, ran)
	}
	want := Stats{StoreErrors: 1, FailOpen: 1}
	if got := g.Stats(); got != want {
		t.Errorf("Stats() = %v, want %v", got, want)
	}
}

// TestStatsMiddleware checks that the Middleware counts in its Group: a
// first request, a replay, a conflict and a 409 while in progress.
func TestStatsMiddleware(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGroup(t)
		mw, err := Middleware(g)
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				<-release
			}
			w.WriteHeader(http.StatusCreated)
		}))
		serve := func(path, key, body string) int {
			r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			r.Header.Set(HeaderKey, `"`+key+`"`)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w.Code
		}
		codes := []int{serve("/", "a", "x"), serve("/", "a", "x"), serve("/", "a", "y")}
		go serve("/slow", "b", "x")
		synctest.Wait()
		codes = append(codes, serve("/slow", "b", "x"))
		close(release)
		synctest.Wait()
		wantCodes := []int{http.StatusCreated, http.StatusCreated, http.StatusUnprocessableEntity, http.StatusConflict}
		for i, c := range codes {
			if c != wantCodes[i] {
				t.Errorf("request %d: status %d, want %d", i, c, wantCodes[i])
			}
		}
		want := Stats{Executions: 2, Replays: 1, Conflicts: 1, Rejected: 1}
		if got := g.Stats(); got != want {
			t.Errorf("Stats() = %v, want %v", got, want)
		}
	})
}

func TestStatsString(t *testing.T) {
	s := Stats{Executions: 1, Replays: 2, Conflicts: 3, Rejected: 4, Waited: 5, StoreErrors: 6, FailOpen: 7}
	want := "executions=1 replays=2 conflicts=3 rejected=4 waited=5 store_errors=6 fail_open=7"
	if got := s.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
