package main

import (
	"strings"
	"testing"
	"time"
)

// placedOrders returns n orders placed by clients, every one accepted.
func placedOrders(ids ...string) map[string]placed {
	now := time.Now()
	m := make(map[string]placed, len(ids))
	for _, id := range ids {
		m[id] = placed{id: id, first: now, accepted: now.Add(time.Millisecond)}
	}
	return m
}

func lines(ids ...string) []execution {
	out := make([]execution, len(ids))
	for i, id := range ids {
		out[i] = execution{order: id, at: time.Now(), worker: "w1"}
	}
	return out
}

func TestAccountAndCheck(t *testing.T) {
	tests := []struct {
		name    string
		orders  map[string]placed
		execs   []execution
		dead    []string
		wantErr string // "" for a report that adds up
	}{
		{"charged once or dead", placedOrders("a", "b", "c"), lines("a", "b"), []string{"c"}, ""},
		{"charged then dead-lettered", placedOrders("a", "b"), lines("a", "b"), []string{"b"}, ""},
		{"charged twice", placedOrders("a", "b"), lines("a", "b", "a"), nil, "charged more than once"},
		{"pending", placedOrders("a", "b"), lines("a"), nil, "neither charged nor dead-lettered"},
		{"a stranger in the raw log", placedOrders("a"), lines("a", "z"), nil, "no client placed"},
		{"a stranger in the dead letters", placedOrders("a"), lines("a"), []string{"z"}, "no client placed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := result{accepted: uint64(len(tt.orders)), lines: len(tt.execs)}
			r.provider.executed = uint64(len(tt.execs))
			r.account(tt.orders, tt.execs, tt.dead)
			err := r.check()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("check() = %v, want nil (%+v)", err, r)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("check() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestAccountCategories(t *testing.T) {
	orders := placedOrders("a", "b", "c", "d")
	delete(orders, "d")
	orders["d"] = placed{id: "d", first: time.Now()} // never accepted, charged anyway
	var r result
	r.account(orders, lines("a", "b", "d"), []string{"b", "c"})
	if r.charged != 1 || r.chargedThenDead != 1 || r.dead != 1 || r.pending != 0 || r.unaccepted != 1 {
		t.Errorf("account = charged %d, charged then dead %d, dead %d, pending %d, unaccepted %d; want 1, 1, 1, 0, 1",
			r.charged, r.chargedThenDead, r.dead, r.pending, r.unaccepted)
	}
}

func TestCheckCountsTheRawLog(t *testing.T) {
	r := result{accepted: 1, lines: 1}
	r.account(placedOrders("a"), lines("a"), nil)
	r.provider.executed = 2 // a line the raw log lost
	if err := r.check(); err == nil || !strings.Contains(err.Error(), "the provider counted 2 executions") {
		t.Errorf("check() = %v, want the raw log's count and the provider's to differ", err)
	}
}

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	p50, p99 := percentiles(ds)
	if p50 != 51*time.Millisecond || p99 != 100*time.Millisecond {
		t.Errorf("percentiles(1..100ms) = %v, %v, want 51ms, 100ms", p50, p99)
	}
	if p50, p99 := percentiles(nil); p50 != 0 || p99 != 0 {
		t.Errorf("percentiles(nil) = %v, %v, want 0, 0", p50, p99)
	}
}

func TestOrderID(t *testing.T) {
	if a, b := orderID("k-1"), orderID("k-1"); a != b {
		t.Errorf("orderID(k-1) = %q then %q, want the same", a, b)
	}
	if a, b := orderID("k-1"), orderID("k-2"); a == b {
		t.Errorf("orderID(k-1) = orderID(k-2) = %q, want different", a)
	}
}
