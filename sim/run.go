package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/holdfast-go/holdfast/internal/vclock"
)

// Run runs strategy st on scenario s in virtual time and returns the
// result. The run is a function of (s, st, seed): the arrivals, the
// dependencies' latencies and errors, and the source of [Env.Rand] are
// drawn from seed, and the actors take turns in the clock's order (see
// [Clock]). It sleeps for no real time: 100,000 requests over minutes of
// virtual time take a few seconds of CPU.
//
// A scenario that fails validation, or a strategy whose New fails, is an
// error; so is a run whose goroutines stay blocked with nothing left to
// wake them (a strategy blocking on something other than the clock). A
// panic (or runtime.Goexit) in the strategy's code on one of the run's
// goroutines stops the run: its other goroutines are ended and Run returns
// a [*PanicError].
func Run(s Scenario, st Strategy, seed uint64) (*Result, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	if st.New == nil {
		return nil, fmt.Errorf("sim: Run: strategy %q has no New", st.Name)
	}
	r := newRunner(&s, seed)
	call, err := st.New(r.env)
	if err != nil || call == nil {
		r.clock.abort() // ends the actors New started, unrun
		if err == nil {
			return nil, fmt.Errorf("sim: strategy %q: New returned a nil Call", st.Name)
		}
		return nil, fmt.Errorf("sim: strategy %q: %w", st.Name, err)
	}
	r.call = call
	r.clock.AfterFunc(r.gap(0), r.arrive)
	if err := r.clock.run(); err != nil {
		return nil, err
	}
	res := r.result()
	res.Scenario, res.Strategy, res.Seed = s.Name, st.Name, seed
	return res, nil
}

// runner is one run.
type runner struct {
	s       *Scenario
	clock   *Clock
	rng     *rand.Rand
	env     *Env
	call    Call
	samples []Sample
	calls   [][]int // per bucket, per dependency
}

func newRunner(s *Scenario, seed uint64) *runner {
	r := &runner{
		s:     s,
		clock: newClock(),
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	r.env = &Env{clock: r.clock, src: rand.NewPCG(seed^0xda942042e4dd58b5, seed)}
	for i := range s.Dependencies {
		srv := &server{dep: &s.Dependencies[i], clock: r.clock, rng: r.rng}
		srv.onCall = func() { r.countCall(i) }
		r.env.servers = append(r.env.servers, srv)
	}
	return r
}

// gap draws the time to the next arrival, at the rate of time t.
func (r *runner) gap(t time.Duration) time.Duration {
	rate := r.s.Load.rate(t)
	if rate <= 0 {
		return r.s.bucket() // no arrivals for now: look again later
	}
	return time.Duration(r.rng.ExpFloat64() / rate * float64(time.Second))
}

// arrive starts a request, and schedules the next arrival.
func (r *runner) arrive() {
	now := r.clock.Since()
	if now >= r.s.Duration {
		return
	}
	if r.s.Load.rate(now) > 0 {
		i := len(r.samples)
		r.samples = append(r.samples, Sample{Start: now})
		r.clock.Go(func() { r.request(i) })
	}
	r.clock.AfterFunc(r.gap(now), r.arrive)
}

// request is one request's actor.
func (r *runner) request(i int) {
	start := r.clock.Since()
	deadline := start + r.s.Load.Deadline
	ctx, cancel := vclock.WithDeadline(context.Background(), r.clock, Epoch.Add(deadline))
	var err error
	if k := r.s.Load.FanOut; k > 1 {
		calls := make([]Call, k)
		for j := range calls {
			calls[j] = r.call
		}
		err = errors.Join(r.env.All(ctx, calls...)...)
	} else {
		err = r.call(ctx)
	}
	cancel()
	end := r.clock.Since()
	r.samples[i] = Sample{Start: start, Latency: end - start, Outcome: classify(err, end, deadline)}
}

func (r *runner) countCall(dep int) {
	b := int(r.clock.Since() / r.s.bucket())
	for len(r.calls) <= b {
		r.calls = append(r.calls, make([]int, len(r.s.Dependencies)))
	}
	r.calls[b][dep]++
}

// result computes the figures of the run.
func (r *runner) result() *Result {
	res := &Result{Samples: r.samples, Requests: len(r.samples)}
	secs := r.s.Duration.Seconds()
	lat := make([]time.Duration, 0, len(r.samples))
	for _, x := range r.samples {
		lat = append(lat, x.Latency)
		res.Errors.count(x.Outcome)
		if x.Outcome == OK {
			res.OK++
		}
	}
	slices.Sort(lat)
	res.P50, res.P99, res.P999 = quantile(lat, 0.5), quantile(lat, 0.99), quantile(lat, 0.999)
	res.Offered, res.Goodput = float64(res.Requests)/secs, float64(res.OK)/secs
	for _, srv := range r.env.servers {
		res.CallsTo = append(res.CallsTo, srv.calls)
		res.Calls += srv.calls
	}
	if res.Requests > 0 {
		res.Amplification = float64(res.Calls) / float64(res.Requests)
	}
	res.Series = r.series()
	if end, ok := r.s.incidentEnd(); ok {
		res.Incident = true
		res.Recovery, res.Recovered = recovery(res.Series, r.s.bucket(), end)
	}
	return res
}

// series cuts the run in buckets by arrival time.
func (r *runner) series() []Point {
	w := r.s.bucket()
	n := int((r.s.Duration + w - 1) / w)
	pts := make([]Point, n)
	lat := make([][]time.Duration, n)
	for i := range pts {
		pts[i].At = time.Duration(i) * w
		pts[i].Calls = make([]int, len(r.s.Dependencies))
		if i < len(r.calls) {
			copy(pts[i].Calls, r.calls[i])
		}
	}
	for _, x := range r.samples {
		b := int(x.Start / w)
		pts[b].Offered++
		if x.Outcome == OK {
			pts[b].Goodput++
		}
		lat[b] = append(lat[b], x.Latency)
	}
	for i := range pts {
		width := min(w, r.s.Duration-pts[i].At).Seconds()
		pts[i].Offered /= width
		pts[i].Goodput /= width
		slices.Sort(lat[i])
		pts[i].P99 = quantile(lat[i], 0.99)
	}
	return pts
}

// recovery returns how long after end the series' goodput was back to 90%
// of the offered load, at the end of the first whole bucket after end that
// has it.
func recovery(pts []Point, w, end time.Duration) (time.Duration, bool) {
	for _, p := range pts {
		if p.At < end || p.Offered == 0 {
			continue
		}
		if p.Goodput >= 0.9*p.Offered {
			return p.At + w - end, true
		}
	}
	return 0, false
}
