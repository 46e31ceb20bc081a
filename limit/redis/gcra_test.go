package redis

import (
	"math/rand/v2"
	"testing"
)

// decision is one GCRA decision, as the script and the model return it.
type decision struct {
	allowed    bool
	remaining  int64
	retryAfter int64 // µs
	resetAfter int64 // µs
}

// model is the reference GCRA in Go, for the tests and the docs: given the
// stored TAT (0: none) and the time now (µs), it returns the decision and
// the TAT to store (unchanged when denied).
func model(tat, now, interval, tolerance, n int64) (decision, int64) {
	tat = max(tat, now)
	next := tat + n*interval
	allowAt := next - tolerance
	if allowAt > now {
		return decision{remaining: max((now+tolerance-tat)/interval, 0), retryAfter: allowAt - now, resetAfter: tat - now}, tat
	}
	return decision{allowed: true, remaining: (now - allowAt) / interval, resetAfter: next - now}, next
}

// TestModel checks the reference GCRA on a burst of 3 at one request per
// 100µs.
func TestModel(t *testing.T) {
	const interval, tolerance = 100, 300
	tests := []struct {
		now  int64
		n    int64
		want decision
	}{
		{1000, 1, decision{allowed: true, remaining: 2, resetAfter: 100}},
		{1000, 1, decision{allowed: true, remaining: 1, resetAfter: 200}},
		{1000, 1, decision{allowed: true, remaining: 0, resetAfter: 300}},
		{1000, 1, decision{retryAfter: 100, resetAfter: 300}},
		{1050, 1, decision{retryAfter: 50, resetAfter: 250}},
		{1100, 1, decision{allowed: true, remaining: 0, resetAfter: 300}},
		{1300, 2, decision{allowed: true, remaining: 0, resetAfter: 300}},
		{1300, 4, decision{remaining: 0, retryAfter: 400, resetAfter: 300}},
		{2000, 4, decision{remaining: 3, retryAfter: 100}},
		{2000, 3, decision{allowed: true, remaining: 0, resetAfter: 300}},
	}
	var tat int64
	for i, tt := range tests {
		var got decision
		got, tat = model(tat, tt.now, interval, tolerance, tt.n)
		if got != tt.want {
			t.Fatalf("step %d: model(now %d, n %d) = %+v, want %+v", i, tt.now, tt.n, got, tt.want)
		}
	}
}

// TestModelNeverExceeds: over any sequence, the requests allowed by the
// model up to time T never exceed burst + T / interval.
func TestModelNeverExceeds(t *testing.T) {
	const interval, burst = 1000, 5
	r := rand.New(rand.NewPCG(1, 2))
	var tat, now, allowed int64
	for range 100_000 {
		now += r.Int64N(400)
		n := r.Int64N(3) + 1
		var d decision
		d, tat = model(tat, now, interval, burst*interval, n)
		if d.allowed {
			allowed += n
		}
		if allowed > burst+now/interval {
			t.Fatalf("allowed %d by %dµs, want <= %d", allowed, now, burst+now/interval)
		}
	}
}
