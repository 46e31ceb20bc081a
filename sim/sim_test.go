package sim

import (
	"slices"
	"testing"
	"time"
)

// runAll runs each strategy on s with seed and logs its figures.
func runAll(t *testing.T, s Scenario, sts []Strategy, seed uint64) map[string]*Result {
	t.Helper()
	rs := make(map[string]*Result)
	for _, st := range sts {
		start := time.Now()
		r, err := Run(s, st, seed)
		if err != nil {
			t.Fatalf("Run(%s, %s) = %v", s.Name, st.Name, err)
		}
		t.Logf("%s/%s: %d requests in %v wall: goodput %.0f/s of %.0f, amplification %.2f, p50 %v p99 %v p99.9 %v, errors %+v, recovered %v after %v",
			s.Name, st.Name, r.Requests, time.Since(start).Round(time.Millisecond), r.Goodput, r.Offered, r.Amplification,
			r.P50, r.P99, r.P999, r.Errors, r.Recovered, r.Recovery)
		rs[st.Name] = r
	}
	return rs
}

// TestLayers asserts that retries multiply down a chain: 3 attempts at each
// of 3 layers make 27 calls at the bottom per request in an outage of the
// bottom, and retrying only at the top makes 3 (within 10%).
func TestLayers(t *testing.T) {
	s, sts := Layers()
	rs := runAll(t, s, sts, 1)
	tests := []struct {
		name string
		want float64
	}{{"retry at every layer", 27}, {"retry at the top", 3}}
	for _, tt := range tests {
		if got := rs[tt.name].Amplification; got < 0.9*tt.want || got > 1.1*tt.want {
			t.Errorf("%s: calls per request = %.2f, want %v within 10%%", tt.name, got, tt.want)
		}
	}
}

// TestHedging asserts "The Tail at Scale": hedging at the p95 delay cuts
// p99.9 by at least 10x for at most 6% more calls.
func TestHedging(t *testing.T) {
	s, sts := Hedging()
	rs := runAll(t, s, sts, 1)
	plain, hedged := rs["no hedge"], rs["hedge at p95"]
	if hedged.P999*10 > plain.P999 {
		t.Errorf("p99.9 = %v hedged, %v not, want at least 10x less", hedged.P999, plain.P999)
	}
	if extra := hedged.Amplification/plain.Amplification - 1; extra > 0.06 {
		t.Errorf("hedging made %.1f%% more calls, want at most 6%%", 100*extra)
	}
}

// TestDeterministic checks that a run is a function of its seed, for every
// strategy of every built-in scenario, with its phases moved earlier by
// determinismShift and cut at determinismCut, past the start of every
// incident.
func TestDeterministic(t *testing.T) {
	for _, f := range Scenarios() {
		s, sts := f()
		s.Duration = min(s.Duration, determinismCut)
		for i := range s.Dependencies {
			phases := slices.Clone(s.Dependencies[i].Phases)
			for j := range phases {
				phases[j].Start -= determinismShift
			}
			s.Dependencies[i].Phases = phases
		}
		for _, st := range sts {
			a, err := Run(s, st, 7)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Run(s, st, 7)
			c, _ := Run(s, st, 8)
			if !sameRun(a, b) {
				t.Errorf("%s/%s: two runs of seed 7 differ: %+v and %+v", s.Name, st.Name, summary(a), summary(b))
			}
			if sameRun(a, c) {
				t.Errorf("%s/%s: seeds 7 and 8 gave the same run %+v", s.Name, st.Name, summary(a))
			}
		}
	}
}

func sameRun(a, b *Result) bool {
	if len(a.Samples) != len(b.Samples) || a.Calls != b.Calls {
		return false
	}
	for i := range a.Samples {
		if a.Samples[i] != b.Samples[i] {
			return false
		}
	}
	return true
}

func summary(r *Result) any {
	return struct {
		Requests, Calls int
		P99             time.Duration
	}{r.Requests, r.Calls, r.P99}
}

// TestBrownout asserts that a breaker on a dependency that times out on
// every call keeps the requests' p99 under 100ms once it has opened and cuts
// the calls to it by at least 90%, and that without it p99 is at least
// 500ms.
func TestBrownout(t *testing.T) {
	s, sts := Brownout()
	rs := runAll(t, s, sts, 1)
	plain, guarded := rs["no breaker"], rs["breaker on b"]
	const from, to = 30 * time.Second, 60 * time.Second
	opened := to
	for _, p := range guarded.Series {
		if p.At >= from && float64(p.Calls[1]) < 0.5*p.Offered {
			opened = p.At + time.Second // the breaker opened in this bucket
			break
		}
	}
	if w := guarded.Between(opened, to); w.P99 >= 100*time.Millisecond {
		t.Errorf("with a breaker, from %v to %v: p99 = %v, want < 100ms", opened, to, w.P99)
	}
	if w := plain.Between(from, to); w.P99 < 500*time.Millisecond {
		t.Errorf("without a breaker, from %v to %v: p99 = %v, want >= 500ms", from, to, w.P99)
	}
	callsB := func(r *Result) (n int) {
		for _, p := range r.Series {
			if p.At >= from && p.At < to {
				n += p.Calls[1]
			}
		}
		return n
	}
	if g, p := callsB(guarded), callsB(plain); float64(g) > 0.1*float64(p) {
		t.Errorf("calls to b in the brownout = %d with a breaker, %d without, want at least 90%% fewer", g, p)
	}
	t.Logf("breaker opened by %v; calls to b in the brownout: %d with, %d without", opened, callsB(guarded), callsB(plain))
}
