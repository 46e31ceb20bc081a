package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
	"go.uber.org/goleak"
)

// counting returns an endless sequence 0, 1, 2, … and the number of items
// pulled from it so far.
func counting() (iter.Seq[int], *atomic.Int64) {
	var pulled atomic.Int64
	return func(yield func(int) bool) {
		for i := 0; ; i++ {
			pulled.Add(1)
			if !yield(i) {
				return
			}
		}
	}, &pulled
}

func collect[R any](seq iter.Seq2[R, error]) ([]R, []error) {
	var vs []R
	var errs []error
	for v, err := range seq {
		vs = append(vs, v)
		errs = append(errs, err)
	}
	return vs, errs
}

func TestStreamOrdered(t *testing.T) {
	for _, limit := range []int{1, 3, 8} {
		for _, buffer := range []int{0, 1, 16} {
			got, errs := collect(fanout.Stream(context.Background(), slices.Values(seqInts(1000)), square,
				fanout.WithLimit(limit), fanout.WithBuffer(buffer)))
			if len(got) != 1000 {
				t.Fatalf("Stream(limit %d, buffer %d) yielded %d results, want 1000", limit, buffer, len(got))
			}
			for i, v := range got {
				if v != i*i || errs[i] != nil {
					t.Fatalf("Stream(limit %d, buffer %d) #%d = %d, %v, want %d, nil", limit, buffer, i, v, errs[i], i*i)
				}
			}
		}
	}
}

func TestStreamAsCompleted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Item i takes 10-i seconds: they complete in reverse order.
		got, _ := collect(fanout.Stream(t.Context(), slices.Values(seqInts(10)), func(_ context.Context, x int) (int, error) {
			time.Sleep(time.Duration(10-x) * time.Second)
			return x, nil
		}, fanout.WithOrdered(false), fanout.WithLimit(10)))
		want := []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
		if !slices.Equal(got, want) {
			t.Fatalf("Stream(as completed) = %v, want %v", got, want)
		}
	})
	got, _ := collect(fanout.Stream(context.Background(), slices.Values(seqInts(500)), square,
		fanout.WithOrdered(false), fanout.WithLimit(4)))
	slices.Sort(got)
	for i, v := range got {
		if v != i*i {
			t.Fatalf("Stream(as completed) sorted #%d = %d, want %d", i, v, i*i)
		}
	}
}

func TestStreamLimitNeverExceeded(t *testing.T) {
	for _, ordered := range []bool{true, false} {
		for _, limit := range []int{1, 4} {
			var tr tracker
			n := 0
			for _, err := range fanout.Stream(context.Background(), slices.Values(seqInts(2000)), func(_ context.Context, x int) (int, error) {
				tr.enter()
				defer tr.exit()
				runtime.Gosched()
				return x, nil
			}, fanout.WithLimit(limit), fanout.WithOrdered(ordered)) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if got := tr.max.Load(); got > int64(limit) || n != 2000 {
				t.Errorf("Stream(limit %d, ordered %v): max running %d over %d results, want <= %d over 2000",
					limit, ordered, got, n, limit)
			}
		}
	}
}

// TestStreamSlowConsumer: with an endless input and a consumer that takes
// a second per result, never more than the window is pulled ahead.
func TestStreamSlowConsumer(t *testing.T) {
	for _, ordered := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			seq, pulled := counting()
			const limit, buffer = 4, 2
			var tr tracker
			yielded := int64(0)
			for _, err := range fanout.Stream(t.Context(), seq, func(_ context.Context, x int) (int, error) {
				tr.enter()
				defer tr.exit()
				time.Sleep(time.Duration(x%3) * time.Millisecond)
				return x, nil
			}, fanout.WithLimit(limit), fanout.WithBuffer(buffer), fanout.WithOrdered(ordered)) {
				if err != nil {
					t.Fatal(err)
				}
				yielded++
				time.Sleep(time.Second)
				synctest.Wait()
				if ahead := pulled.Load() - yielded; ahead > limit+buffer {
					t.Fatalf("ordered %v: %d items pulled and not yet consumed, want <= %d", ordered, ahead, limit+buffer)
				}
				if yielded == 50 {
					break
				}
			}
			if tr.max.Load() > limit {
				t.Errorf("ordered %v: max running = %d, want <= %d", ordered, tr.max.Load(), limit)
			}
		})
	}
}

// TestStreamSlowHead: in ordered mode a slow first item holds back the
// results after it, and the work pulled ahead of it stops at the window.
func TestStreamSlowHead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		seq, pulled := counting()
		const limit, buffer = 3, 5
		var tr tracker
		release := make(chan struct{})
		var got []int
		done := make(chan struct{})
		go func() {
			defer close(done)
			for v, err := range fanout.Stream(t.Context(), seq, func(_ context.Context, x int) (int, error) {
				tr.enter()
				defer tr.exit()
				if x == 0 {
					<-release
				}
				return x, nil
			}, fanout.WithLimit(limit), fanout.WithBuffer(buffer)) {
				if err != nil {
					t.Error(err)
					return
				}
				got = append(got, v)
				if len(got) == 30 {
					return
				}
			}
		}()
		synctest.Wait()
		if n := pulled.Load(); n != limit+buffer {
			t.Errorf("pulled %d items while the first is stuck, want %d", n, limit+buffer)
		}
		if n := tr.running.Load(); n != 1 {
			t.Errorf("%d calls running while the first is stuck, want 1 (the others done and held)", n)
		}
		close(release)
		<-done
		if !slices.Equal(got, seqInts(30)) {
			t.Errorf("Stream = %v, want 0..29 in order", got)
		}
	})
}

// TestStreamBreak: breaking out of the loop cancels the calls in flight and
// waits for them before the loop ends; nothing is left running.
func TestStreamBreak(t *testing.T) {
	for _, ordered := range []bool{true, false} {
		seq, _ := counting()
		var started, canceled atomic.Int64
		n := 0
		for _, err := range fanout.Stream(context.Background(), seq, func(ctx context.Context, x int) (int, error) {
			started.Add(1)
			if x < 3 {
				return x, nil
			}
			<-ctx.Done()
			canceled.Add(1)
			return 0, ctx.Err()
		}, fanout.WithLimit(4), fanout.WithOrdered(ordered)) {
			if err != nil {
				t.Fatalf("ordered %v: result %d error = %v", ordered, n, err)
			}
			if n++; n == 3 {
				break
			}
		}
		if s, c := started.Load(), canceled.Load(); c != s-3 {
			t.Errorf("ordered %v: after break %d of %d blocked calls had returned cancelled", ordered, c, s-3)
		}
		goleak.VerifyNone(t)
	}
}

func TestStreamErrorsGoOn(t *testing.T) {
	got, errs := collect(fanout.Stream(context.Background(), slices.Values(seqInts(6)), failOdd, fanout.WithLimit(2)))
	want := []int{0, 0, 20, 0, 40, 0}
	if !slices.Equal(got, want) {
		t.Fatalf("Stream values = %v, want %v", got, want)
	}
	for i, err := range errs {
		if (i%2 == 1) != (err != nil) {
			t.Errorf("Stream #%d error = %v", i, err)
		}
	}
}

func TestStreamPanic(t *testing.T) {
	for _, ordered := range []bool{true, false} {
		var later, canceled atomic.Int64
		_, errs := collect(fanout.Stream(context.Background(), slices.Values(seqInts(100)), func(ctx context.Context, x int) (int, error) {
			switch {
			case x == 5:
				panic("stream bug")
			case x > 5:
				later.Add(1)
				<-ctx.Done()
				canceled.Add(1)
			}
			return x, nil
		}, fanout.WithLimit(3), fanout.WithOrdered(ordered)))
		if len(errs) == 0 || len(errs) > 7 {
			t.Fatalf("ordered %v: %d results, want the panic last after at most 6", ordered, len(errs))
		}
		wantPanic(t, errs[len(errs)-1], "stream bug")
		for _, err := range errs[:len(errs)-1] {
			if err != nil {
				t.Errorf("ordered %v: error %v before the panic", ordered, err)
			}
		}
		if later.Load() != canceled.Load() {
			t.Errorf("ordered %v: %d calls after the panicking one, %d returned cancelled", ordered, later.Load(), canceled.Load())
		}
	}
}

// TestStreamPanicInConsumer: panics in seq or in the loop body are the
// caller's own: they unwind through the loop once the calls in flight are
// cancelled and joined.
func TestStreamPanicInConsumer(t *testing.T) {
	seqPanics := func(yield func(int) bool) {
		for i := 1; i <= 3; i++ {
			if !yield(i) {
				return
			}
		}
		panic("seq bug")
	}
	tests := []struct {
		name string
		seq  iter.Seq[int]
		want string
	}{
		{"seq", seqPanics, "seq bug"},
		{"body", slices.Values(seqInts(100)), "body bug"},
	}
	for _, tt := range tests {
		var blocked, canceled atomic.Int64
		got := func() (v any) {
			defer func() { v = recover() }()
			for range fanout.Stream(context.Background(), tt.seq, func(ctx context.Context, x int) (int, error) {
				if x == 0 {
					return x, nil
				}
				blocked.Add(1)
				<-ctx.Done()
				canceled.Add(1)
				return x, nil
			}, fanout.WithLimit(4)) {
				panic("body bug")
			}
			return nil
		}()
		if got != tt.want {
			t.Errorf("panic in %s: recovered %v, want %v", tt.name, got, tt.want)
		}
		if blocked.Load() != canceled.Load() {
			t.Errorf("panic in %s: %d calls in flight, %d returned cancelled", tt.name, blocked.Load(), canceled.Load())
		}
		goleak.VerifyNone(t)
	}
}

func TestStreamParentCancel(t *testing.T) {
	shutdown := errors.New("shutdown")
	for _, ordered := range []bool{true, false} {
		ctx, cancel := context.WithCancelCause(context.Background())
		seq, _ := counting()
		var errs []error
		for _, err := range fanout.Stream(ctx, seq, square, fanout.WithOrdered(ordered)) {
			errs = append(errs, err)
			if len(errs) == 5 {
				cancel(shutdown)
			}
			if len(errs) > 1000 {
				t.Fatal("the stream went on after its context was cancelled")
			}
		}
		cancel(nil)
		want := []error{nil, nil, nil, nil, nil, shutdown}
		if !slices.Equal(errs, want) {
			t.Errorf("ordered %v: errors = %v, want %v", ordered, errs, want)
		}
	}
}

func TestStreamBadInput(t *testing.T) {
	ctx := context.Background()
	seq := slices.Values(seqInts(3))
	tests := []struct {
		name string
		it   iter.Seq2[int, error]
		want string
	}{
		{"nil fn", fanout.Stream[int, int](ctx, seq, nil), "fanout: Stream: fn is nil"},
		{"bad limit", fanout.Stream(ctx, seq, square, fanout.WithLimit(0)), "fanout: WithLimit: limit must be >= 1 or Unlimited, got 0"},
		{"unlimited", fanout.Stream(ctx, seq, square, fanout.WithLimit(fanout.Unlimited)),
			"fanout: Stream: WithLimit(Unlimited) is not allowed: the input may be endless"},
		{"bad buffer", fanout.Stream(ctx, seq, square, fanout.WithBuffer(-1)), "fanout: WithBuffer: buffer must be >= 0, got -1"},
		{"huge buffer", fanout.Stream(ctx, seq, square, fanout.WithLimit(4), fanout.WithBuffer(math.MaxInt)),
			"fanout: Stream: limit 4 + buffer 9223372036854775807 is more than MaxStreamWindow (1048576)"},
		{"huge limit", fanout.Stream(ctx, seq, square, fanout.WithLimit(fanout.MaxStreamWindow/2+1)),
			"fanout: Stream: limit 524289 + buffer 524289 is more than MaxStreamWindow (1048576)"},
		{"window one over", fanout.Stream(ctx, seq, square, fanout.WithLimit(1), fanout.WithBuffer(fanout.MaxStreamWindow)),
			"fanout: Stream: limit 1 + buffer 1048576 is more than MaxStreamWindow (1048576)"},
	}
	for _, tt := range tests {
		vs, errs := collect(tt.it)
		if len(errs) != 1 || vs[0] != 0 || errs[0] == nil || errs[0].Error() != tt.want {
			t.Errorf("Stream(%s) yielded %v, %v, want one (0, %q)", tt.name, vs, errs, tt.want)
		}
	}
	if vs, errs := collect(fanout.Stream(ctx, nil, square)); len(vs)+len(errs) != 0 {
		t.Errorf("Stream(nil seq) yielded %v, %v, want nothing", vs, errs)
	}
}

func TestStreamTaskTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		_, errs := collect(fanout.Stream(t.Context(), slices.Values(seqInts(3)), func(ctx context.Context, x int) (int, error) {
			<-ctx.Done()
			return x, ctx.Err()
		}, fanout.WithTaskTimeout(time.Minute)))
		if fmt.Sprint(errs) != fmt.Sprint([]error{context.DeadlineExceeded, context.DeadlineExceeded, context.DeadlineExceeded}) {
			t.Errorf("Stream(WithTaskTimeout) errors = %v, want three deadlines", errs)
		}
		if d := time.Since(start); d != time.Minute {
			t.Errorf("Stream(WithTaskTimeout) took %v, want 1m", d)
		}
	})
}

func TestStreamRangesAgain(t *testing.T) {
	it := fanout.Stream(context.Background(), slices.Values(seqInts(20)), square, fanout.WithLimit(3))
	first, _ := collect(it)
	second, _ := collect(it)
	if !slices.Equal(first, second) || len(first) != 20 {
		t.Errorf("ranging twice gave %v and %v, want the same 20 results", first, second)
	}
}

func TestStreamDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	seq, pulled := counting()
	vs, errs := collect(fanout.Stream(ctx, seq, square))
	if len(errs) != 1 || vs[0] != 0 || errs[0] != context.Canceled || pulled.Load() != 0 {
		t.Errorf("Stream(done ctx) yielded %v, %v after pulling %d, want one (0, context.Canceled) after 0",
			vs, errs, pulled.Load())
	}
}

// FuzzStream checks, over random sizes, limits, buffers, orders, failures
// and early breaks, that every item is yielded once with its own result,
// in order when asked, and that no more than the limit run at once.
func FuzzStream(f *testing.F) {
	f.Add(uint16(100), uint8(4), uint8(2), true, uint16(1000), uint64(0))
	f.Add(uint16(37), uint8(1), uint8(0), false, uint16(10), uint64(0xf0f0))
	f.Add(uint16(0), uint8(3), uint8(9), true, uint16(0), uint64(1))
	f.Fuzz(func(t *testing.T, n uint16, limit, buffer uint8, ordered bool, breakAt uint16, failMask uint64) {
		n %= 2000
		lim := int(limit%32) + 1
		stop := int(breakAt) // 0: never break
		if stop == 0 {
			stop = int(n) + 1
		}
		fails := func(x int) bool { return failMask&(1<<(x%64)) != 0 }
		var tr tracker
		var got []int
		for v, err := range fanout.Stream(context.Background(), slices.Values(seqInts(int(n))), func(_ context.Context, x int) (int, error) {
			tr.enter()
			defer tr.exit()
			if x%3 == 0 {
				runtime.Gosched()
			}
			if fails(x) {
				return -x, fmt.Errorf("item %d", x)
			}
			return x, nil
		}, fanout.WithLimit(lim), fanout.WithBuffer(int(buffer%40)), fanout.WithOrdered(ordered)) {
			x := v
			if err != nil {
				if v > 0 || err.Error() != fmt.Sprintf("item %d", -v) || !fails(-v) {
					t.Fatalf("got (%d, %v) for a failing item", v, err)
				}
				x = -v
			} else if fails(x) {
				t.Fatalf("got (%d, nil) for a failing item", v)
			}
			got = append(got, x)
			if len(got) == stop {
				break
			}
		}
		want := min(int(n), stop)
		if len(got) != want {
			t.Fatalf("yielded %d results, want %d", len(got), want)
		}
		if ordered {
			if !slices.Equal(got, seqInts(want)) {
				t.Fatalf("ordered results = %v, want 0..%d", got, want-1)
			}
		} else {
			slices.Sort(got)
			if len(slices.Compact(got)) != want || (want > 0 && got[want-1] >= int(n)) {
				t.Fatalf("as-completed results are not %d distinct items: %v", want, got)
			}
			if stop >= int(n) && !slices.Equal(got, seqInts(want)) {
				t.Fatalf("as-completed results = %v, want every item", got)
			}
		}
		if tr.max.Load() > int64(lim) {
			t.Fatalf("max running = %d, want <= %d", tr.max.Load(), lim)
		}
	})
}
