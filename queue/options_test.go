package queue

import (
	"context"
	"math"
	"testing"

	"golang.org/x/time/rate"
)

func nop(context.Context, int) error { return nil }

func TestNewPoolErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler func(context.Context, int) error
		opts    []Option
		wantErr string
	}{
		{"nil handler", nil, nil, "queue: NewPool: handler must not be nil"},
		{"nil option", nop, []Option{nil}, "queue: NewPool: nil Option"},
		{"workers 0", nop, []Option{WithWorkers(0)}, "queue: WithWorkers: workers must be > 0, got 0"},
		{"workers -3", nop, []Option{WithWorkers(-3)}, "queue: WithWorkers: workers must be > 0, got -3"},
		{"capacity 0", nop, []Option{WithCapacity(0)}, "queue: WithCapacity: capacity must be > 0, got 0"},
		{"workers MaxInt", nop, []Option{WithWorkers(math.MaxInt)}, "queue: WithWorkers: workers must be at most MaxWorkers (65536), got 9223372036854775807"},
		{"workers above max", nop, []Option{WithWorkers(MaxWorkers + 1)}, "queue: WithWorkers: workers must be at most MaxWorkers (65536), got 65537"},
		{"capacity MaxInt", nop, []Option{WithCapacity(math.MaxInt)}, "queue: WithCapacity: capacity must be at most MaxCapacity (1048576), got 9223372036854775807"},
		{"capacity above max", nop, []Option{WithCapacity(MaxCapacity + 1)}, "queue: WithCapacity: capacity must be at most MaxCapacity (1048576), got 1048577"},
		{"overflow", nop, []Option{WithOverflow(Overflow(7))}, "queue: WithOverflow: unknown policy Overflow(7)"},
		{"overflow -1", nop, []Option{WithOverflow(Overflow(-1))}, "queue: WithOverflow: unknown policy Overflow(-1)"},
		{"rate 0", nop, []Option{WithRateLimit(0, 1)}, "queue: WithRateLimit: rate must be > 0, got 0"},
		{"rate NaN", nop, []Option{WithRateLimit(rate.Limit(math.NaN()), 1)}, "queue: WithRateLimit: rate must be > 0, got NaN"},
		{"burst 0", nop, []Option{WithRateLimit(10, 0)}, "queue: WithRateLimit: burst must be > 0, got 0"},
		{"timeout", nop, []Option{WithItemTimeout(-1)}, "queue: WithItemTimeout: timeout must be >= 0, got -1ns"},
		{"nil error hook", nop, []Option{WithOnError[int](nil)}, "queue: WithOnError: hook must not be nil"},
		{"nil drop hook", nop, []Option{WithOnDrop[int](nil)}, "queue: WithOnDrop: hook must not be nil"},
		{
			"error hook type", nop, []Option{WithOnError(func(string, error) {})},
			"queue: WithOnError: hook is func(string, error), want func(int, error) for this pool's items",
		},
		{
			"drop hook type", nop, []Option{WithOnDrop(func(int64) {})},
			"queue: WithOnDrop: hook is func(int64), want func(int) for this pool's items",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPool(tt.handler, tt.opts...)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("NewPool() error = %v, want %q", err, tt.wantErr)
			}
			if p != nil {
				t.Errorf("NewPool() = %v, want nil on error", p)
			}
		})
	}
}

func TestNewPoolOptions(t *testing.T) {
	p, err := NewPool(nop,
		WithWorkers(3), WithCapacity(5), WithOverflow(DropOldest),
		WithRateLimit(rate.Inf, 1), WithItemTimeout(0),
		WithOnError(func(int, error) {}), WithOnDrop(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, p)
	if st := p.Stats(); st.Workers != 3 || st.Capacity != 5 {
		t.Errorf("Stats() = %+v, want Workers 3, Capacity 5", st)
	}
	if p.limiter != nil {
		t.Errorf("WithRateLimit(rate.Inf, 1) set a limiter, want none")
	}
}

func TestNewPoolBufferBytes(t *testing.T) {
	handler := func(context.Context, [1024]byte) error { return nil }
	_, err := NewPool(handler, WithCapacity(MaxCapacity))
	want := "queue: WithCapacity: capacity 1048576 of 1032-byte items is more than MaxBufferBytes (268435456)"
	if err == nil || err.Error() != want {
		t.Errorf("NewPool(WithCapacity(MaxCapacity)) of 1 KiB items error = %v, want %q", err, want)
	}
}

// TestNewPoolBufferBytesRounded: an item's size is rounded up to a
// multiple of 8 before the 8 bytes of its submit time, as WithCapacity's
// doc says: a 1021-byte item takes 1032 bytes.
func TestNewPoolBufferBytesRounded(t *testing.T) {
	handler := func(context.Context, [1021]byte) error { return nil }
	_, err := NewPool(handler, WithCapacity(MaxCapacity))
	want := "queue: WithCapacity: capacity 1048576 of 1032-byte items is more than MaxBufferBytes (268435456)"
	if err == nil || err.Error() != want {
		t.Errorf("NewPool(WithCapacity(MaxCapacity)) of 1021-byte items error = %v, want %q", err, want)
	}
}

func TestOptionMaxima(t *testing.T) {
	// Applied to a config: a pool of MaxWorkers would start 65,536
	// goroutines, seconds of work under the race detector.
	c := defaultConfig()
	if err := WithWorkers(MaxWorkers).apply(&c); err != nil || c.workers != MaxWorkers {
		t.Errorf("WithWorkers(MaxWorkers): workers = %d, error = %v, want %d, nil", c.workers, err, MaxWorkers)
	}
	p, err := NewPool(nop, WithWorkers(1), WithCapacity(MaxCapacity))
	if err != nil {
		t.Fatalf("NewPool(WithCapacity(MaxCapacity)) error = %v", err)
	}
	defer shutdown(t, p)
	if st := p.Stats(); st.Capacity != MaxCapacity {
		t.Errorf("Stats().Capacity = %d, want %d", st.Capacity, MaxCapacity)
	}
}

func TestOverflowString(t *testing.T) {
	tests := []struct {
		o    Overflow
		want string
	}{
		{Block, "Block"}, {Reject, "Reject"}, {DropOldest, "DropOldest"}, {Overflow(9), "Overflow(9)"},
	}
	for _, tt := range tests {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("Overflow(%d).String() = %q, want %q", int(tt.o), got, tt.want)
		}
	}
}
