package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
	"github.com/holdfast-go/holdfast/internal/panics"
)

func seqInts(n int) []int {
	items := make([]int, n)
	for i := range items {
		items[i] = i
	}
	return items
}

// square yields a few times, more for low items, so that calls finish out
// of order.
func square(_ context.Context, x int) (int, error) {
	for range (1000 - x%1000) % 7 {
		runtime.Gosched()
	}
	return x * x, nil
}

func TestMapOrder(t *testing.T) {
	items := seqInts(2000)
	for _, limit := range []int{1, 3, 8, fanout.Unlimited} {
		got, err := fanout.Map(context.Background(), items, square, fanout.WithLimit(limit))
		if err != nil {
			t.Fatalf("Map(limit %d) error = %v", limit, err)
		}
		for i, v := range got {
			if v != i*i {
				t.Fatalf("Map(limit %d)[%d] = %d, want %d", limit, i, v, i*i)
			}
		}
	}
}

// mapLike runs one of Map, ForEach, MapAll over items with fn, and options
// that all three accept.
type mapLike struct {
	name string
	run  func(ctx context.Context, items []int, fn func(context.Context, int) error, opts ...fanout.LimitOption) error
}

var mapLikes = []mapLike{
	{"Map", func(ctx context.Context, items []int, fn func(context.Context, int) error, opts ...fanout.LimitOption) error {
		_, err := fanout.Map(ctx, items, func(ctx context.Context, x int) (int, error) { return x, fn(ctx, x) }, options(opts)...)
		return err
	}},
	{"ForEach", func(ctx context.Context, items []int, fn func(context.Context, int) error, opts ...fanout.LimitOption) error {
		return fanout.ForEach(ctx, items, fn, options(opts)...)
	}},
	{"MapAll", func(ctx context.Context, items []int, fn func(context.Context, int) error, opts ...fanout.LimitOption) error {
		_, err := fanout.MapAll(ctx, items, func(ctx context.Context, x int) (int, error) { return x, fn(ctx, x) }, mapAllOptions(opts)...)
		return err
	}},
}

// collecting are Map and ForEach with WithCollectAll, which MapAll does
// not take: it always collects.
var collecting = []mapLike{
	{"Map collecting", func(ctx context.Context, items []int, fn func(context.Context, int) error, opts ...fanout.LimitOption) error {
		_, err := fanout.Map(ctx, items, func(ctx context.Context, x int) (int, error) { return x, fn(ctx, x) },
			append(options(opts), fanout.WithCollectAll())...)
		return err
	}},
	{"ForEach collecting", func(ctx context.Context, items []int, fn func(context.Context, int) error, opts ...fanout.LimitOption) error {
		return fanout.ForEach(ctx, items, fn, append(options(opts), fanout.WithCollectAll())...)
	}},
}

// options returns opts as Options, for Map, ForEach and New.
func options(opts []fanout.LimitOption) []fanout.Option {
	out := make([]fanout.Option, len(opts))
	for i, o := range opts {
		out[i] = o
	}
	return out
}

// mapAllOptions returns opts as MapAllOptions.
func mapAllOptions(opts []fanout.LimitOption) []fanout.MapAllOption {
	out := make([]fanout.MapAllOption, len(opts))
	for i, o := range opts {
		out[i] = o
	}
	return out
}

func TestMapLimitNeverExceeded(t *testing.T) {
	tests := []struct {
		limit int
		opts  []fanout.LimitOption
		want  int64
	}{
		{1, []fanout.LimitOption{fanout.WithLimit(1)}, 1},
		{3, []fanout.LimitOption{fanout.WithLimit(3)}, 3},
		{8, []fanout.LimitOption{fanout.WithLimit(8)}, 8},
		{fanout.DefaultLimit, nil, fanout.DefaultLimit},
		{5, []fanout.LimitOption{fanout.WithLimit(5), fanout.WithTaskTimeout(time.Hour)}, 5},
	}
	for _, ml := range mapLikes {
		for _, tt := range tests {
			var tr tracker
			err := ml.run(context.Background(), seqInts(3000), func(context.Context, int) error {
				tr.enter()
				defer tr.exit()
				runtime.Gosched()
				return nil
			}, tt.opts...)
			if err != nil {
				t.Fatalf("%s(limit %d) error = %v", ml.name, tt.limit, err)
			}
			if got := tr.max.Load(); got > tt.want {
				t.Errorf("%s(limit %d): max running = %d, want <= %d", ml.name, tt.limit, got, tt.want)
			}
			if got := tr.calls.Load(); got != 3000 {
				t.Errorf("%s(limit %d): calls = %d, want 3000", ml.name, tt.limit, got)
			}
		}
	}
}

// TestMapLimitReached proves the limit is used, not only respected: the
// first limit calls wait for one another, which deadlocks (and fails the
// synctest bubble) unless that many run at once.
func TestMapLimitReached(t *testing.T) {
	for _, ml := range mapLikes {
		for _, limit := range []int{1, 4, 16, fanout.Unlimited} {
			synctest.Test(t, func(t *testing.T) {
				n := 40
				want := limit
				if limit == fanout.Unlimited {
					want = n
				}
				var started atomic.Int64
				all := make(chan struct{})
				err := ml.run(t.Context(), seqInts(n), func(_ context.Context, x int) error {
					if started.Add(1) == int64(want) {
						close(all)
					}
					if x < want {
						<-all
					}
					return nil
				}, fanout.WithLimit(limit))
				if err != nil {
					t.Fatalf("%s(limit %d) error = %v", ml.name, limit, err)
				}
			})
		}
	}
}

func TestMapFirstError(t *testing.T) {
	for _, ml := range mapLikes[:2] {
		for range 50 {
			var canceled atomic.Int64
			err := ml.run(context.Background(), seqInts(100), func(ctx context.Context, x int) error {
				if x == 3 {
					return errBoom
				}
				<-ctx.Done()
				canceled.Add(1)
				return fmt.Errorf("item %d: %w", x, ctx.Err())
			}, fanout.WithLimit(4))
			if err != errBoom {
				t.Fatalf("%s error = %v, want %v", ml.name, err, errBoom)
			}
			if n := canceled.Load(); n > 3 {
				t.Fatalf("%s: %d calls saw the cancellation, want <= 3 (the limit less the failed call)", ml.name, n)
			}
		}
	}
}

func TestMapFailFastStartsNothingNew(t *testing.T) {
	for _, ml := range mapLikes[:2] {
		for _, limit := range []int{1, 2, 8} {
			var tr tracker
			err := ml.run(context.Background(), seqInts(1000), func(ctx context.Context, x int) error {
				tr.enter()
				defer tr.exit()
				if x == 0 {
					return errBoom
				}
				<-ctx.Done()
				return ctx.Err()
			}, fanout.WithLimit(limit))
			if !errors.Is(err, errBoom) {
				t.Fatalf("%s(limit %d) error = %v, want %v", ml.name, limit, err, errBoom)
			}
			if n := tr.calls.Load(); n > int64(limit) {
				t.Errorf("%s(limit %d): %d calls, want <= %d", ml.name, limit, n, limit)
			}
		}
	}
}

func TestMapResultNilOnError(t *testing.T) {
	got, err := fanout.Map(context.Background(), seqInts(10), func(_ context.Context, x int) (int, error) {
		if x == 9 {
			return 0, errBoom
		}
		return x, nil
	})
	if got != nil || err != errBoom {
		t.Fatalf("Map = %v, %v, want nil, %v", got, err, errBoom)
	}
}

func failOdd(_ context.Context, x int) (int, error) {
	if x%2 == 1 {
		return 0, fmt.Errorf("item %d", x)
	}
	return x * 10, nil
}

func TestMapCollectAll(t *testing.T) {
	const wantErr = "item 1\nitem 3\nitem 5\nitem 7\nitem 9"
	got, err := fanout.Map(context.Background(), seqInts(10), failOdd, fanout.WithCollectAll(), fanout.WithLimit(3))
	if err == nil || err.Error() != wantErr {
		t.Fatalf("Map(WithCollectAll) error = %q, want %q", err, wantErr)
	}
	want := []int{0, 0, 20, 0, 40, 0, 60, 0, 80, 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Map(WithCollectAll) = %v, want %v", got, want)
	}

	var calls atomic.Int64
	err = fanout.ForEach(context.Background(), seqInts(10), func(ctx context.Context, x int) error {
		calls.Add(1)
		_, err := failOdd(ctx, x)
		return err
	}, fanout.WithCollectAll())
	if err == nil || err.Error() != wantErr || calls.Load() != 10 {
		t.Fatalf("ForEach(WithCollectAll) = %q after %d calls, want %q after 10", err, calls.Load(), wantErr)
	}
}

func TestMapAll(t *testing.T) {
	res, err := fanout.MapAll(context.Background(), seqInts(6), failOdd, fanout.WithLimit(2))
	if err == nil || err.Error() != "item 1\nitem 3\nitem 5" {
		t.Fatalf("MapAll error = %q, want the three failures joined", err)
	}
	for i, r := range res {
		wantErr := ""
		wantVal := i * 10
		if i%2 == 1 {
			wantErr, wantVal = fmt.Sprintf("item %d", i), 0
		}
		if r.Value != wantVal || fmt.Sprint(r.Err) != fmt.Sprint(errOrNil(wantErr)) {
			t.Errorf("MapAll[%d] = %v, %v, want %v, %v", i, r.Value, r.Err, wantVal, wantErr)
		}
	}

	res, err = fanout.MapAll(context.Background(), seqInts(3), square)
	if err != nil || len(res) != 3 || res[2].Value != 4 {
		t.Fatalf("MapAll(no failures) = %v, %v, want values and nil", res, err)
	}
}

func errOrNil(s string) error {
	if s == "" {
		return nil
	}
	return errors.New(s)
}

func TestMapParentCancel(t *testing.T) {
	shutdown := errors.New("shutdown")
	for _, ml := range mapLikes {
		ctx, cancel := context.WithCancelCause(context.Background())
		var started atomic.Int64
		const limit = 4
		err := ml.run(ctx, seqInts(1000), func(ctx context.Context, x int) error {
			if started.Add(1) == limit {
				cancel(shutdown)
			}
			<-ctx.Done()
			return fmt.Errorf("item %d: %w", x, ctx.Err())
		}, fanout.WithLimit(limit))
		if ml.name == "MapAll" {
			if !errors.Is(err, shutdown) {
				t.Errorf("MapAll error = %v, want it to include %v", err, shutdown)
			}
		} else if err != shutdown {
			t.Errorf("%s error = %v, want %v", ml.name, err, shutdown)
		}
		if n := started.Load(); n != limit {
			t.Errorf("%s: %d calls started, want %d", ml.name, n, limit)
		}
	}
}

func TestMapAllParentCancelMarksSkipped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	res, err := fanout.MapAll(ctx, seqInts(100), func(ctx context.Context, x int) (int, error) {
		if x == 0 {
			cancel()
		}
		return x, nil
	}, fanout.WithLimit(1))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("MapAll error = %v, want context.Canceled", err)
	}
	if res[0].Value != 0 || res[0].Err != nil {
		t.Errorf("MapAll[0] = %+v, want the item that ran", res[0])
	}
	for i, r := range res[1:] {
		if r.Err != context.Canceled {
			t.Fatalf("MapAll[%d].Err = %v, want context.Canceled", i+1, r.Err)
		}
	}
	if strings.Count(err.Error(), "context canceled") != 1 {
		t.Errorf("MapAll error = %q, want the cause once", err)
	}
}

func TestMapDoneContextRunsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, ml := range mapLikes {
		var calls atomic.Int64
		err := ml.run(ctx, seqInts(10), func(context.Context, int) error {
			calls.Add(1)
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls.Load() != 0 {
			t.Errorf("%s(done ctx) = %v after %d calls, want context.Canceled after 0", ml.name, err, calls.Load())
		}
	}
	res, _ := fanout.MapAll(ctx, seqInts(3), square)
	for i, r := range res {
		if r.Err != context.Canceled {
			t.Errorf("MapAll(done ctx)[%d].Err = %v, want context.Canceled", i, r.Err)
		}
	}
}

func TestMapPanic(t *testing.T) {
	for _, ml := range append(mapLikes, collecting...) {
		for _, opts := range [][]fanout.LimitOption{
			{fanout.WithLimit(1)},
			{fanout.WithLimit(3)},
		} {
			var later, canceled atomic.Int64
			err := ml.run(context.Background(), seqInts(50), func(ctx context.Context, x int) error {
				switch {
				case x == 5:
					panic("bad item")
				case x > 5:
					later.Add(1)
					<-ctx.Done()
					canceled.Add(1)
				}
				return nil
			}, opts...)
			wantPanic(t, err, "bad item")
			// Every call that started after item 5 ran until the panic
			// cancelled it, and had returned before the call did.
			if l, c := later.Load(), canceled.Load(); c != l || l > 2 {
				t.Errorf("%s(%d options): %d calls after the panicking one, %d returned cancelled; want equal and <= 2",
					ml.name, len(opts), l, c)
			}
		}
	}
}

func TestMapPanicWinsOverError(t *testing.T) {
	for range 20 {
		second := make(chan struct{})
		_, err := fanout.Map(context.Background(), seqInts(2), func(ctx context.Context, x int) (int, error) {
			if x == 0 {
				<-second
				return 0, errBoom
			}
			close(second)
			<-ctx.Done()
			panic(errBoom)
		}, fanout.WithLimit(2))
		pe := wantPanic(t, err, any(errBoom))
		if !errors.Is(pe, errBoom) {
			t.Errorf("errors.Is(%v, errBoom) = false, want true", pe)
		}
	}
}

func TestMapAllPanic(t *testing.T) {
	res, err := fanout.MapAll(context.Background(), seqInts(5), func(_ context.Context, x int) (int, error) {
		if x == 2 {
			panic("two")
		}
		return x, nil
	}, fanout.WithLimit(1))
	wantPanic(t, err, "two")
	if res[0].Err != nil || res[1].Err != nil {
		t.Errorf("MapAll[0:2] = %+v, want the items that ran before the panic", res[:2])
	}
	for i := 2; i < 5; i++ {
		wantPanic(t, res[i].Err, "two")
	}
}

// TestMapGoexit: runtime.Goexit in fn (t.FailNow does it) on a worker Map
// started is a *PanicError; on the calling goroutine, which is a worker too,
// it ends that goroutine as Goexit must, once the other workers are joined.
func TestMapGoexit(t *testing.T) {
	for _, limit := range []int{1, 4} {
		var err error
		returned, exited := false, make(chan struct{})
		go func() {
			defer close(exited)
			err = fanout.ForEach(context.Background(), seqInts(100), func(context.Context, int) error {
				runtime.Goexit()
				return nil
			}, fanout.WithLimit(limit))
			returned = true
		}()
		<-exited
		switch {
		case limit == 1 && returned:
			t.Errorf("ForEach(limit 1) returned %v after runtime.Goexit on the calling goroutine", err)
		case returned:
			var pe *fanout.PanicError
			if !errors.As(err, &pe) || pe.Value != panics.Goexit {
				t.Errorf("ForEach(limit %d) error = %v, want a *PanicError for runtime.Goexit", limit, err)
			}
		}
	}
}

func TestMapEmptyAndNil(t *testing.T) {
	fn := func(context.Context, int) (int, error) {
		t.Error("fn called with no items")
		return 0, nil
	}
	for _, items := range [][]int{nil, {}} {
		got, err := fanout.Map(context.Background(), items, fn)
		if got == nil || len(got) != 0 || err != nil {
			t.Errorf("Map(%#v) = %#v, %v, want an empty slice and nil", items, got, err)
		}
		res, err := fanout.MapAll(context.Background(), items, fn)
		if res == nil || len(res) != 0 || err != nil {
			t.Errorf("MapAll(%#v) = %#v, %v, want an empty slice and nil", items, res, err)
		}
		if err := fanout.ForEach(context.Background(), items, func(context.Context, int) error { return errBoom }); err != nil {
			t.Errorf("ForEach(%#v) = %v, want nil", items, err)
		}
	}
}

func TestMapBadInput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		err  func() error
		want string
	}{
		{"Map nil fn", func() error {
			_, err := fanout.Map[int, int](ctx, nil, nil)
			return err
		}, "fanout: Map: fn is nil"},
		{"ForEach nil fn", func() error { return fanout.ForEach[int](ctx, nil, nil) }, "fanout: ForEach: fn is nil"},
		{"MapAll nil fn", func() error {
			_, err := fanout.MapAll[int, int](ctx, nil, nil)
			return err
		}, "fanout: MapAll: fn is nil"},
		{"Map limit 0", func() error {
			_, err := fanout.Map(ctx, seqInts(3), square, fanout.WithLimit(0))
			return err
		}, "fanout: WithLimit: limit must be >= 1 or Unlimited, got 0"},
		{"ForEach limit -2", func() error {
			return fanout.ForEach(ctx, seqInts(3), func(context.Context, int) error { return nil }, fanout.WithLimit(-2))
		}, "fanout: WithLimit: limit must be >= 1 or Unlimited, got -2"},
		{"MapAll timeout 0", func() error {
			_, err := fanout.MapAll(ctx, seqInts(3), square, fanout.WithTaskTimeout(0))
			return err
		}, "fanout: WithTaskTimeout: timeout must be > 0, got 0s"},
		{"Map nil option", func() error {
			_, err := fanout.Map(ctx, seqInts(3), square, nil)
			return err
		}, "fanout: nil Option"},
	}
	for _, tt := range tests {
		if err := tt.err(); err == nil || err.Error() != tt.want {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestMapTaskTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		_, err := fanout.Map(t.Context(), seqInts(4), func(ctx context.Context, x int) (int, error) {
			if x == 2 {
				<-ctx.Done()
				return 0, ctx.Err()
			}
			return x, nil
		}, fanout.WithTaskTimeout(50*time.Millisecond))
		if err != context.DeadlineExceeded {
			t.Fatalf("Map(WithTaskTimeout) error = %v, want %v", err, context.DeadlineExceeded)
		}
		if d := time.Since(start); d != 50*time.Millisecond {
			t.Errorf("Map(WithTaskTimeout) took %v, want 50ms", d)
		}
	})
}

// TestMapSharesContext: without a task timeout every call gets the same
// context, none made per item.
func TestMapSharesContext(t *testing.T) {
	var first atomic.Pointer[context.Context]
	err := fanout.ForEach(context.Background(), seqInts(100), func(ctx context.Context, _ int) error {
		first.CompareAndSwap(nil, &ctx)
		if *first.Load() != ctx {
			return errors.New("a call got a context of its own")
		}
		if _, ok := ctx.Deadline(); ok {
			return errors.New("a call got a deadline")
		}
		return nil
	}, fanout.WithLimit(4))
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzMap checks Map's and MapAll's semantics over random sizes, limits,
// failures and modes: results in order, the first failure reported in
// fail-fast mode, every failure joined in collect-all mode, the limit kept.
func FuzzMap(f *testing.F) {
	f.Add(uint16(100), uint8(4), uint64(0), false)
	f.Add(uint16(300), uint8(8), uint64(1<<40), false)
	f.Add(uint16(65), uint8(1), uint64(0xff00), true)
	f.Fuzz(func(t *testing.T, n uint16, limit uint8, failMask uint64, collectAll bool) {
		n %= 3000
		lim := int(limit%70) + 1
		fails := func(x int) bool { return failMask&(1<<(x%64)) != 0 }
		opts := []fanout.Option{fanout.WithLimit(lim)}
		if collectAll {
			opts = append(opts, fanout.WithCollectAll())
		}
		var tr tracker
		fn := func(_ context.Context, x int) (int, error) {
			tr.enter()
			defer tr.exit()
			if x%5 == 0 {
				runtime.Gosched()
			}
			if fails(x) {
				return 0, fmt.Errorf("item %d", x)
			}
			return x + 1, nil
		}
		items := seqInts(int(n))
		got, err := fanout.Map(context.Background(), items, fn, opts...)
		var wantErrs []string
		for _, x := range items {
			if fails(x) {
				wantErrs = append(wantErrs, fmt.Sprintf("item %d", x))
			}
		}
		switch {
		case len(wantErrs) == 0:
			if err != nil || len(got) != int(n) {
				t.Fatalf("Map = %d results, %v, want %d, nil", len(got), err, n)
			}
		case collectAll:
			if err == nil || err.Error() != strings.Join(wantErrs, "\n") {
				t.Fatalf("Map(WithCollectAll) error = %v, want every failure in order", err)
			}
		default:
			if err == nil || !slices.Contains(wantErrs, err.Error()) || got != nil {
				t.Fatalf("Map = %v, %v, want nil and one of the failures", got, err)
			}
		}
		for i, v := range got {
			if want := i + 1; !fails(i) && v != want || fails(i) && v != 0 {
				t.Fatalf("Map[%d] = %d, want %d", i, v, want)
			}
		}
		res, err := fanout.MapAll(context.Background(), items, fn, fanout.WithLimit(lim))
		if (err == nil) != (len(wantErrs) == 0) || len(res) != int(n) {
			t.Fatalf("MapAll = %d results, %v, want %d and %d failures", len(res), err, n, len(wantErrs))
		}
		for i, r := range res {
			if fails(i) != (r.Err != nil) {
				t.Fatalf("MapAll[%d] = %+v", i, r)
			}
		}
		if tr.max.Load() > int64(lim) {
			t.Fatalf("max running = %d, want <= %d", tr.max.Load(), lim)
		}
	})
}
