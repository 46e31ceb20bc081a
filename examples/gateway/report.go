package main

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// result is everything the report shows.
type result struct {
	elapsed     time.Duration
	sent        int64 // requests sent, those cut short at the end included
	total       tally
	phases      []tally
	transitions []transition
	breakers    []breakerSummary
	cache       cache.Stats
	budget      retry.BudgetStats
	limiter     limit.Stats
	audit       auditSummary
}

// tally sums the samples of a phase, or of the whole run.
type tally struct {
	name                      string
	requests                  int
	complete, partial, failed int // 200; 206; 503 or no answer
	shed                      int // of failed: shed by the gateway's limiter
	p50, p95, p99             time.Duration
}

type breakerSummary struct {
	name  string
	stats breaker.Stats
}

// tallies sums the samples per phase and in all.
func tallies(samples []sample) (tally, []tally) {
	byPhase := make([][]sample, len(phases))
	for _, s := range samples {
		byPhase[s.phase] = append(byPhase[s.phase], s)
	}
	out := make([]tally, len(phases))
	for i, ss := range byPhase {
		out[i] = tallyOf(phases[i].name, ss)
	}
	return tallyOf("all", samples), out
}

func tallyOf(name string, ss []sample) tally {
	t := tally{name: name, requests: len(ss)}
	lat := make([]time.Duration, len(ss))
	for i, s := range ss {
		lat[i] = s.latency
		switch s.status {
		case http.StatusOK:
			t.complete++
		case http.StatusPartialContent:
			t.partial++
		default:
			t.failed++
		}
		if s.shed {
			t.shed++
		}
	}
	slices.Sort(lat)
	t.p50, t.p95, t.p99 = quantile(lat, 0.50), quantile(lat, 0.95), quantile(lat, 0.99)
	return t
}

// quantile is the nearest-rank q-quantile of sorted, 0 when it is empty.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// check verifies that the report's numbers agree with one another and that
// no audit event was lost.
func (r result) check() error {
	sum := 0
	for _, t := range r.phases {
		sum += t.requests
	}
	a := r.audit
	switch {
	case sum != r.total.requests:
		return fmt.Errorf("report: the phases sum to %d requests, the total is %d", sum, r.total.requests)
	case r.total.shed > r.total.failed:
		return fmt.Errorf("report: %d shed, more than the %d failed", r.total.shed, r.total.failed)
	case r.total.complete+r.total.partial+r.total.failed != r.total.requests:
		return fmt.Errorf("report: complete + partial + failed != requests: %+v", r.total)
	case a.Accepted != a.Handled+a.Failed+a.Returned:
		return fmt.Errorf("audit events lost: accepted %d, handled %d + failed %d + returned %d", a.Accepted, a.Handled, a.Failed, a.Returned)
	case int64(a.Accepted)+a.Refused != a.Served:
		return fmt.Errorf("audit events lost: accepted %d + refused %d, but %d requests served", a.Accepted, a.Refused, a.Served)
	case a.Served > r.sent:
		return fmt.Errorf("report: %d requests served, only %d sent", a.Served, r.sent)
	}
	return nil
}

// print writes the report.
func (r result) print(w io.Writer) {
	t := r.total
	fmt.Fprintf(w, "\nReport\n")
	fmt.Fprintf(w, "  requests     %d in %.1fs, %.0f req/s\n", t.requests, r.elapsed.Seconds(), float64(t.requests)/r.elapsed.Seconds())
	fmt.Fprintf(w, "  success      %.1f%% complete, %.1f%% partial (an upstream missing), %.1f%% failed\n",
		pct(t.complete, t.requests), pct(t.partial, t.requests), pct(t.failed, t.requests))
	fmt.Fprintf(w, "  latency      p50 %v  p95 %v  p99 %v\n", round(t.p50), round(t.p95), round(t.p99))
	fmt.Fprintf(w, "\n  %-9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "phase", "requests", "complete", "partial", "failed", "shed", "p50", "p95", "p99")
	for _, p := range r.phases {
		fmt.Fprintf(w, "  %-9s %9d %8.1f%% %8.1f%% %8.1f%% %8.1f%% %9v %9v %9v\n", p.name, p.requests,
			pct(p.complete, p.requests), pct(p.partial, p.requests), pct(p.failed, p.requests), pct(p.shed, p.requests),
			round(p.p50), round(p.p95), round(p.p99))
	}
	c := r.cache
	reads := c.LocalHits + c.RemoteHits + c.Misses
	fmt.Fprintf(w, "\n  cache        %d reads: local tier %.1f%%, shared tier %.1f%%, misses %.1f%% (%d loads, %d failed; %d shared-tier errors)\n",
		reads, percent(c.LocalHits, reads), percent(c.RemoteHits, reads), percent(c.Misses, reads), c.Loads, c.LoadErrors, c.RemoteErrors)
	fmt.Fprintf(w, "  retries      %d made, %d refused by the retry budget\n", r.budget.Withdrawals, r.budget.Rejected)
	l := r.limiter
	fmt.Fprintf(w, "  limiter      bulkhead of %d: %d admitted (%d after a wait, %v waiting in all), %d shed\n",
		l.Limit, l.Admitted, l.Waited, round(l.WaitTime), l.Rejected)
	r.printBreakers(w)
	a := r.audit
	fmt.Fprintf(w, "  audit        %d events accepted = %d written + %d failed + %d handed back at shutdown; %d refused\n",
		a.Accepted, a.Handled, a.Failed, a.Returned, a.Refused)
}

// printBreakers lists each breaker's totals and state changes.
func (r result) printBreakers(w io.Writer) {
	for _, b := range r.breakers {
		fmt.Fprintf(w, "  breaker      %-9s now %s, opened %d times, rejected %d calls\n", b.name, b.stats.State, b.stats.Trips, b.stats.Rejected)
		for _, t := range r.transitions {
			if t.name == b.name {
				fmt.Fprintf(w, "                 %7.3fs  %-9s -> %-9s (phase %s)\n", t.at.Seconds(), t.from, t.to, t.phase)
			}
		}
	}
}

// pct is percent for the tallies' int counts.
func pct(a, b int) float64 { return percent(int64(a), int64(b)) }

// round keeps three significant figures of a latency.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(10 * time.Microsecond)
}
