package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/deadline"
)

// phase is one stretch of the load, with the upstreams set up for it.
type phase struct {
	name, what string
	apply      func(users, inventory, pricing *upstream)
	burst      int // extra load workers for the phase, per -concurrency worker
}

// slowLatency is the pricing upstream's latency in the slow phase: more
// than an attempt may take.
const slowLatency = 150 * time.Millisecond

var phases = []phase{
	{"healthy", "every upstream answers in ~2ms; 1 call in 50 fails and is retried",
		func(u, i, p *upstream) {
			u.set(baseLatency, baseFailRate)
			i.set(baseLatency, baseFailRate)
			p.set(baseLatency, baseFailRate)
		}, 0},
	{"burst", "every upstream healthy; 5 times the clients, more than the gateway admits (it sheds the excess)",
		func(*upstream, *upstream, *upstream) {}, 4},
	{"failing", "inventory answers 503 to every call",
		func(_, i, _ *upstream) { i.set(baseLatency, 1) }, 0},
	{"slow", "inventory is back; pricing takes 150ms, past the 80ms attempt timeout",
		func(_, i, p *upstream) { i.set(baseLatency, baseFailRate); p.set(slowLatency, baseFailRate) }, 0},
	{"recovery", "every upstream is healthy again",
		func(_, _, p *upstream) { p.set(baseLatency, baseFailRate) }, 0},
}

// clientBudget is the budget each load request carries to the gateway.
const clientBudget = 300 * time.Millisecond

// sample is the outcome of one load request.
type sample struct {
	phase   int
	latency time.Duration
	status  int  // 0: no answer within the budget
	shed    bool // 503 with Retry-After: shed by the gateway's limiter
}

// loadGen sends requests to the gateway from several workers.
type loadGen struct {
	url    string
	client *http.Client
	rec    *recorder
	sent   atomic.Int64 // requests sent, those cut short at the end included
	done   atomic.Int64 // samples kept
	ok     atomic.Int64 // samples answered 200
}

// drive runs the phases one after the other, cfg.phaseLength() each, with
// cfg.concurrency workers sending requests, and returns their samples.
// It stops early, with the samples so far, when ctx is done.
func drive(ctx context.Context, cfg config, s *system, rec *recorder, out io.Writer) ([]sample, int64, error) {
	tr, err := deadline.Transport(&http.Transport{MaxIdleConnsPerHost: cfg.concurrency})
	if err != nil {
		return nil, 0, err
	}
	l := &loadGen{url: s.url, client: &http.Client{Transport: tr}, rec: rec}
	defer l.client.CloseIdleConnections()
	loadCtx, stop := context.WithCancel(ctx)
	perWorker := make([][]sample, cfg.concurrency)
	var wg sync.WaitGroup
	for w := range perWorker {
		wg.Go(func() { perWorker[w] = l.worker(loadCtx, rand.New(rand.NewPCG(cfg.seed, uint64(w)))) })
	}
	for i, p := range phases {
		if ctx.Err() != nil {
			break
		}
		p.apply(s.ups[0], s.ups[1], s.ups[2])
		rec.setPhase(i)
		fmt.Fprintf(out, "[%5.1fs] phase %d/%d %s: %s\n", rec.since().Seconds(), i+1, len(phases), p.name, p.what)
		extra := l.burst(loadCtx, cfg, p.burst*cfg.concurrency)
		l.progress(ctx, cfg.phaseLength(), s, out)
		perWorker = append(perWorker, extra()...)
	}
	stop()
	wg.Wait()
	var all []sample
	for _, w := range perWorker {
		all = append(all, w...)
	}
	return all, l.sent.Load(), nil
}

// burst starts n extra workers; the func it returns stops them and
// returns their samples.
func (l *loadGen) burst(ctx context.Context, cfg config, n int) func() [][]sample {
	ctx, stop := context.WithCancel(ctx)
	out := make([][]sample, n)
	var wg sync.WaitGroup
	for w := range out {
		wg.Go(func() { out[w] = l.worker(ctx, rand.New(rand.NewPCG(cfg.seed, uint64(1000+w)))) })
	}
	return func() [][]sample {
		stop()
		wg.Wait()
		return out
	}
}

// worker sends requests until ctx is done: half for 20 hot items, half for
// items drawn from a million, so both cache tiers and the loaders all work.
func (l *loadGen) worker(ctx context.Context, rng *rand.Rand) []sample {
	var out []sample
	for ctx.Err() == nil {
		id := "c" + strconv.Itoa(rng.IntN(1_000_000))
		if rng.IntN(2) == 0 {
			id = "h" + strconv.Itoa(rng.IntN(20))
		}
		smp, ok := l.request(ctx, id)
		if ok {
			out = append(out, smp)
		}
	}
	return out
}

// request sends one request and reports its sample, or false when the load
// ended while it was in flight.
func (l *loadGen) request(ctx context.Context, id string) (sample, bool) {
	l.sent.Add(1)
	smp := sample{phase: l.rec.currentPhase()}
	reqCtx, cancel := context.WithTimeout(ctx, clientBudget)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, l.url+"/item?id="+id, nil)
	if err != nil {
		return smp, false
	}
	resp, err := l.client.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		smp.status = resp.StatusCode
		smp.shed = resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != ""
	}
	smp.latency = time.Since(start)
	if ctx.Err() != nil { // cut short by the end of the load, not by the gateway
		return smp, false
	}
	if err != nil {
		smp.status = 0
	}
	l.done.Add(1)
	if smp.status == http.StatusOK {
		l.ok.Add(1)
	}
	return smp, true
}

// progress prints a line every second for d, or until ctx is done.
func (l *loadGen) progress(ctx context.Context, d time.Duration, s *system, out io.Writer) {
	end := time.NewTimer(d)
	defer end.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastDone, lastOK, last := l.done.Load(), l.ok.Load(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case now := <-tick.C:
			done, ok := l.done.Load(), l.ok.Load()
			fmt.Fprintf(out, "[%5.1fs]   %5.0f req/s  %5.1f%% complete  in flight %d  breakers: %s\n", l.rec.since().Seconds(),
				float64(done-lastDone)/now.Sub(last).Seconds(), percent(ok-lastOK, done-lastDone), s.gw.admit.Stats().InFlight, breakerStates(s.gw))
			lastDone, lastOK, last = done, ok, now
		}
	}
}

// breakerStates lists the backends' breaker states on one line.
func breakerStates(g *gateway) string {
	var b []byte
	for i, be := range g.backends {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "%s %s", be.name, be.breaker.State())
	}
	return string(b)
}

// percent is 100*a/b, or 0 when b is 0.
func percent(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
