package idempotency

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestDoRunsOnceThenReplays(t *testing.T) {
	ctx := context.Background()
	g := newGroup(t)
	var runs int
	fn := func(context.Context) (string, error) {
		runs++
		return fmt.Sprintf("result %d", runs), nil
	}
	tests := []struct {
		name         string
		key          string
		want         string
		wantReplayed bool
	}{
		{"first", "k1", "result 1", false},
		{"repeat", "k1", "result 1", true},
		{"other key", "k2", "result 2", false},
		{"repeat again", "k1", "result 1", true},
	}
	for _, tt := range tests {
		got, replayed, err := Do(ctx, g, tt.key, "fp", fn)
		if err != nil || got != tt.want || replayed != tt.wantReplayed {
			t.Errorf("%s: Do(%q) = %q, %v, %v, want %q, %v, nil", tt.name, tt.key, got, replayed, err, tt.want, tt.wantReplayed)
		}
	}
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2", runs)
	}
}

func TestDoConcurrentOneKeyRunsOnce(t *testing.T) {
	for _, policy := range []InProgressPolicy{Wait, Reject} {
		t.Run(policy.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				testConcurrentOneKey(t, policy)
			})
		})
	}
}

// testConcurrentOneKey starts 1,000 calls with one key while the first
// holder runs: fn must run once; under Wait every call gets its result,
// under Reject the others get ErrInProgress.
func testConcurrentOneKey(t *testing.T, policy InProgressPolicy) {
	const calls = 1000
	g := newGroup(t, WithInProgress(policy))
	var runs atomic.Int32
	release := make(chan struct{})
	fn := func(ctx context.Context) (int, error) {
		runs.Add(1)
		<-release
		return 42, nil
	}
	var wg sync.WaitGroup
	errs := make([]error, calls)
	vals := make([]int, calls)
	for i := range calls {
		wg.Go(func() {
			vals[i], _, errs[i] = Do(t.Context(), g, "one", "fp", fn)
		})
	}
	synctest.Wait() // every call has reached fn, a wait or its answer
	close(release)
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Fatalf("fn ran %d times for one key, want 1", n)
	}
	var ok, inProgress int
	for i := range calls {
		switch {
		case errs[i] == nil && vals[i] == 42:
			ok++
		case errors.Is(errs[i], ErrInProgress):
			inProgress++
		default:
			t.Fatalf("call %d: Do = %v, %v", i, vals[i], errs[i])
		}
	}
	wantOK := calls
	if policy == Reject {
		wantOK = 1
	}
	if ok != wantOK || inProgress != calls-wantOK {
		t.Errorf("%d results and %d ErrInProgress, want %d and %d", ok, inProgress, wantOK, calls-wantOK)
	}
}

func TestDoFingerprintMismatch(t *testing.T) {
	// Every path where a record exists when a call with another
	// fingerprint arrives: completed, in progress (waiting or not), a
	// final error, and a waiter that sees the record complete.
	ctx := context.Background()
	fn := func(context.Context) (string, error) { return "v", nil }
	t.Run("completed", func(t *testing.T) {
		g := newGroup(t)
		mustDo(t, g, "k", "a", fn)
		for _, fp := range []string{"b", ""} {
			if _, _, err := Do(ctx, g, "k", fp, fn); !errors.Is(err, ErrKeyReused) {
				t.Errorf("Do(fp %q) = %v, want ErrKeyReused", fp, err)
			}
		}
	})
	t.Run("final error", func(t *testing.T) {
		g := newGroup(t)
		_, _, _ = Do(ctx, g, "k", "a", func(context.Context) (string, error) { return "", Final(errors.New("declined")) })
		if _, _, err := Do(ctx, g, "k", "b", fn); !errors.Is(err, ErrKeyReused) {
			t.Errorf("Do = %v, want ErrKeyReused", err)
		}
	})
	for _, policy := range []InProgressPolicy{Wait, Reject} {
		t.Run("in progress/"+policy.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := newGroup(t, WithInProgress(policy))
				release := make(chan struct{})
				done := make(chan error)
				go func() {
					_, _, err := Do(t.Context(), g, "k", "a", func(context.Context) (string, error) {
						<-release
						return "v", nil
					})
					done <- err
				}()
				synctest.Wait()
				if _, _, err := Do(t.Context(), g, "k", "b", fn); !errors.Is(err, ErrKeyReused) {
					t.Errorf("Do while in progress = %v, want ErrKeyReused", err)
				}
				close(release)
				if err := <-done; err != nil {
					t.Errorf("holder's Do = %v", err)
				}
			})
		})
	}
	t.Run("store record at acquire", func(t *testing.T) {
		// The record was written by another process: the first Acquire
		// of this Group already finds it.
		s := newMemory(t, 10)
		a, err := s.Acquire(ctx, "k", "a", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, "k", a.Token, []byte(`v"x"`), time.Hour); err != nil {
			t.Fatal(err)
		}
		g := newGroup(t, WithStore(s))
		if _, _, err := Do(ctx, g, "k", "b", fn); !errors.Is(err, ErrKeyReused) {
			t.Errorf("Do = %v, want ErrKeyReused", err)
		}
		if got, replayed, err := Do(ctx, g, "k", "a", fn); got != "x" || !replayed || err != nil {
			t.Errorf("Do(same fingerprint) = %q, %v, %v, want x, true, nil", got, replayed, err)
		}
	})
}

func mustDo[T any](t *testing.T, g *Group, key, fp string, fn func(context.Context) (T, error)) T {
	t.Helper()
	v, _, err := Do(context.Background(), g, key, fp, fn)
	if err != nil {
		t.Fatalf("Do(%q) = %v", key, err)
	}
	return v
}

func TestDoErrorReleasesKey(t *testing.T) {
	g := newGroup(t)
	boom := errors.New("boom")
	var runs int
	fn := func(context.Context) (int, error) {
		runs++
		if runs == 1 {
			return 0, boom
		}
		return runs, nil
	}
	if _, _, err := Do(context.Background(), g, "k", "", fn); err != boom {
		t.Fatalf("Do = %v, want %v", err, boom)
	}
	if got := mustDo(t, g, "k", "", fn); got != 2 {
		t.Errorf("Do after an error = %d, want 2 (a new run)", got)
	}
}

func TestDoFinalErrorIsReplayed(t *testing.T) {
	declined := errors.New("card declined")
	tests := []struct {
		name string
		opts []Option
		err  error
	}{
		{"Final", nil, Final(declined)},
		{"WithFinal", []Option{WithFinal(func(err error) bool { return errors.Is(err, declined) })}, fmt.Errorf("charge: %w", declined)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGroup(t, tt.opts...)
			var runs int
			fn := func(context.Context) (int, error) { runs++; return 0, tt.err }
			_, replayed, err := Do(context.Background(), g, "k", "", fn)
			if !errors.Is(err, declined) || replayed {
				t.Fatalf("Do = _, %v, %v, want %v, false", replayed, err, declined)
			}
			_, replayed, err = Do(context.Background(), g, "k", "", fn)
			var fe *FinalError
			if !errors.As(err, &fe) || err.Error() != tt.err.Error() || !replayed {
				t.Errorf("replay: Do = _, %v, %v, want a FinalError %q, true", replayed, err, tt.err)
			}
			if runs != 1 {
				t.Errorf("fn ran %d times, want 1", runs)
			}
		})
	}
}

func TestDoReplayDoesNotAlias(t *testing.T) {
	type order struct {
		Items []string
		Tags  map[string]int
	}
	for _, codec := range []Codec{JSONCodec{}, RawCodec{}} {
		t.Run(fmt.Sprintf("%T", codec), func(t *testing.T) {
			g := newGroup(t, WithCodec(codec))
			if _, ok := codec.(RawCodec); ok {
				fn := func(context.Context) ([]byte, error) { return []byte("abc"), nil }
				first := mustDo(t, g, "k", "", fn)
				first[0] = 'X'
				r1 := mustDo(t, g, "k", "", fn)
				r1[1] = 'Y'
				if r2 := mustDo(t, g, "k", "", fn); string(r2) != "abc" {
					t.Errorf("replay after modifying earlier results = %q, want abc", r2)
				}
				return
			}
			fn := func(context.Context) (order, error) {
				return order{Items: []string{"a", "b"}, Tags: map[string]int{"x": 1}}, nil
			}
			first := mustDo(t, g, "k", "", fn)
			first.Items[0], first.Tags["x"] = "changed", 9
			r1 := mustDo(t, g, "k", "", fn)
			r1.Items[1], r1.Tags["y"] = "changed", 2
			r2 := mustDo(t, g, "k", "", fn)
			if r2.Items[0] != "a" || r2.Items[1] != "b" || len(r2.Tags) != 1 || r2.Tags["x"] != 1 {
				t.Errorf("replay after modifying earlier results = %+v, want the original", r2)
			}
		})
	}
}

func TestDoStoreFailure(t *testing.T) {
	down := errors.New("store down")
	t.Run("fails closed", func(t *testing.T) {
		s := &faultStore{Store: newMemory(t, 10)}
		s.set(&s.acquire, fail(down))
		g := newGroup(t, WithStore(s))
		ran := false
		_, _, err := Do(context.Background(), g, "k", "", func(context.Context) (int, error) { ran = true; return 1, nil })
		if !errors.Is(err, ErrStore) || !errors.Is(err, down) || ran {
			t.Errorf("Do = %v, fn ran %v; want ErrStore wrapping %v, fn not run", err, ran, down)
		}
	})
	t.Run("fails open", func(t *testing.T) {
		s := &faultStore{Store: newMemory(t, 10)}
		s.set(&s.acquire, fail(down))
		var reported []string
		g := newGroup(t, WithStore(s), WithFailOpen(func(key string, err error) {
			reported = append(reported, key+": "+err.Error())
		}))
		for range 2 {
			got, replayed, err := Do(context.Background(), g, "k", "", func(ctx context.Context) (int, error) {
				if _, ok := Token(ctx); ok {
					t.Error("Token(ctx) reports a token without a hold")
				}
				return 1, nil
			})
			if got != 1 || replayed || err != nil {
				t.Errorf("Do = %d, %v, %v, want 1, false, nil", got, replayed, err)
			}
		}
		if want := []string{"k: store down", "k: store down"}; fmt.Sprint(reported) != fmt.Sprint(want) {
			t.Errorf("reported %q, want %q", reported, want)
		}
	})
	t.Run("caller's ctx ended", func(t *testing.T) {
		// A call whose ctx ended before it asked the Store is not a Store
		// failure: an alert or a breaker on ErrStore must not count it.
		g := newGroup(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		_, _, err := Do(ctx, g, "k", "", func(context.Context) (int, error) { ran = true; return 1, nil })
		if errors.Is(err, ErrStore) || !errors.Is(err, context.Canceled) || ran {
			t.Errorf("Do(ended ctx) = %v, fn ran %v; want context.Canceled, not ErrStore, fn not run", err, ran)
		}
	})
	t.Run("complete fails", func(t *testing.T) {
		s := &faultStore{Store: newMemory(t, 10)}
		s.set(&s.complete, fail(down))
		g := newGroup(t, WithStore(s))
		got, _, err := Do(context.Background(), g, "k", "", func(context.Context) (int, error) { return 5, nil })
		if got != 5 || !errors.Is(err, ErrStore) || !errors.Is(err, down) {
			t.Errorf("Do = %d, %v, want 5 and ErrStore wrapping %v", got, err, down)
		}
	})
}

func TestDoBadArguments(t *testing.T) {
	g := newGroup(t)
	fn := func(context.Context) (int, error) { return 1, nil }
	tests := []struct {
		name string
		ctx  context.Context
		g    *Group
		key  string
		fp   string
		fn   func(context.Context) (int, error)
		want error
		msg  string
	}{
		{"nil ctx", nil, g, "k", "", fn, errNilContext, "nil Context"},
		{"nil group", context.Background(), nil, "k", "", fn, errNilGroup, "nil Group"},
		{"nil fn", context.Background(), g, "k", "", nil, errNilFunc, "nil fn"},
		{"empty key", context.Background(), g, "", "", fn, ErrInvalidKey, "empty"},
		{"long key", context.Background(), g, strings.Repeat("k", MaxKeyLength+1), "", fn, ErrInvalidKey, "1025 bytes"},
		{"control key", context.Background(), g, "a\nb", "", fn, ErrInvalidKey, "control character"},
		{"DEL key", context.Background(), g, "a\x7f", "", fn, ErrInvalidKey, "control character"},
		{"bad UTF-8 key", context.Background(), g, "a\xff", "", fn, ErrInvalidKey, "UTF-8"},
		{"long fingerprint", context.Background(), g, "k", strings.Repeat("f", MaxFingerprintLength+1), fn, ErrInvalidFingerprint, "257 bytes"},
	}
	for _, tt := range tests {
		_, _, err := Do(tt.ctx, tt.g, tt.key, tt.fp, tt.fn)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: Do = %v, want %v naming %q", tt.name, err, tt.want, tt.msg)
		}
	}
	if got := mustDo(t, g, strings.Repeat("k", MaxKeyLength), "", fn); got != 1 {
		t.Errorf("Do(key of MaxKeyLength) = %d, want 1", got)
	}
}

// TestTokenNilContext checks that Token, which returns no error, panics
// on a nil ctx with the package's message (CONTRIBUTING.md), not with a
// nil dereference.
func TestTokenNilContext(t *testing.T) {
	defer func() {
		if p := recover(); p != errNilContext.Error() {
			t.Errorf("Token(nil) panicked with %v, want %q", p, errNilContext.Error())
		}
	}()
	var nilCtx context.Context
	Token(nilCtx)
}

func TestNewBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"nil", nil, "idempotency: nil Option"},
		{"nil store", WithStore(nil), "WithStore: store must not be nil"},
		{"nil codec", WithCodec(nil), "WithCodec: codec must not be nil"},
		{"zero lease", WithLease(0), "WithLease must be >= 1ms, got 0s"},
		{"short lease", WithLease(time.Microsecond), "WithLease must be >= 1ms, got 1µs"},
		{"negative ttl", WithTTL(-time.Second), "WithTTL must be >= 1ms, got -1s"},
		{"zero poll", WithPollInterval(0), "WithPollInterval must be >= 1ms, got 0s"},
		{"policy", WithInProgress(7), "WithInProgress: unknown policy InProgressPolicy(7)"},
		{"nil final", WithFinal(nil), "WithFinal: predicate must not be nil"},
		{"nil report", WithFailOpen(nil), "WithFailOpen: report must not be nil"},
	}
	for _, tt := range tests {
		g, err := New(tt.opt)
		if g != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, %v, want an error containing %q", tt.name, g, err, tt.want)
		}
	}
}

// bufferStore is a Store that hands out each completed record in a buffer
// of its own that it may reuse later, as a client with pooled read
// buffers would (against the Acquisition.Value contract).
type bufferStore struct {
	Store
	buf []byte
}

func (s *bufferStore) Acquire(ctx context.Context, key, fp string, lease time.Duration) (Acquisition, error) {
	a, err := s.Store.Acquire(ctx, key, fp, lease)
	if a.State == Completed {
		s.buf = append(s.buf[:0], a.Value...)
		a.Value = s.buf
	}
	return a, err
}

func TestDoRawStringFromOtherStoreIsACopy(t *testing.T) {
	// Only a MemoryStore's records are shared with replayed strings
	// (it never writes into a value it keeps); a string replayed from any
	// other Store owns its bytes, so that the Store reusing its buffer
	// cannot change a string the caller holds.
	s := &bufferStore{Store: newMemory(t, 10)}
	g := newGroup(t, WithStore(s), WithCodec(RawCodec{}))
	fn := func(context.Context) (string, error) { return "abc", nil }
	mustDo(t, g, "k", "", fn)
	got := mustDo(t, g, "k", "", fn) // a replay
	for i := range s.buf {
		s.buf[i] = 'X' // the Store reuses its buffer
	}
	if got != "abc" {
		t.Errorf("replayed string after the Store reused its buffer = %q, want abc", got)
	}
}
