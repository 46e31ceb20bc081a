package lifecycle

import (
	"testing"
	"time"
)

func TestPeriodBounds(t *testing.T) {
	const interval = 10 * time.Second
	tests := []struct {
		jitter, u float64
		want      time.Duration
	}{
		{0, 0, interval},
		{0, 0.99, interval},
		{0.2, 0, 8 * time.Second},
		{0.2, 0.5, interval},
		{0.2, 0.999999, 12 * time.Second},
		{1, 0, 0},
		{1, 0.75, 15 * time.Second},
	}
	for _, tt := range tests {
		got := period(interval, tt.jitter, tt.u)
		if diff := got - tt.want; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("period(%v, %v, %v) = %v, want %v", interval, tt.jitter, tt.u, got, tt.want)
		}
	}
}

func TestNext(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	const p = 10 * time.Second
	tests := []struct {
		name        string
		end         time.Time
		o           Overlap
		want        time.Time
		wantSkipped uint64
		wantDelayed bool
	}{
		{"in time", at(3), Skip, at(10), 0, false},
		{"exactly at the next", at(10), Skip, at(10), 0, false},
		{"late, skip one", at(12), Skip, at(20), 1, false},
		{"late, skip two", at(25), Skip, at(30), 2, false},
		{"late onto a slot", at(20), Skip, at(20), 1, false},
		{"late, delay", at(12), Delay, at(12), 0, true},
		{"very late, delay", at(45), Delay, at(45), 0, true},
		{"in time, delay", at(9), Delay, at(10), 0, false},
	}
	for _, tt := range tests {
		got, skipped, delayed := next(t0, tt.end, p, tt.o)
		if !got.Equal(tt.want) || skipped != tt.wantSkipped || delayed != tt.wantDelayed {
			t.Errorf("%s: next(0, %v, %v, %v) = %v, %d, %v, want %v, %d, %v", tt.name,
				tt.end.Sub(t0), p, tt.o, got.Sub(t0), skipped, delayed, tt.want.Sub(t0), tt.wantSkipped, tt.wantDelayed)
		}
	}
}
