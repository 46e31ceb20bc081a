package breaker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// This file checks the Breaker against model, a plain reference of the same
// rules: one mutex-free struct, driven serially, that keeps the outcomes it
// needs in a slice. A driver draws a configuration and a sequence of
// operations (calls that succeed, fail, panic, are cancelled or are slow;
// two-step calls left in flight and ended later; steps of fake time; manual
// controls) and applies each to both, comparing them after every step.

// modelConfig is a configuration drawn for a run.
type modelConfig struct {
	consecutive   int
	failureRate   float64
	slowThreshold time.Duration
	slowRate      float64
	countWindow   int
	timeWindow    time.Duration
	buckets       int
	minCalls      int
	open          time.Duration
	backoffMax    time.Duration
	backoffMult   float64
	probes        int
	successes     int
}

func (c modelConfig) options() []Option {
	opts := []Option{WithOpenDuration(c.open), WithHalfOpenProbes(c.probes), WithHalfOpenSuccesses(c.successes), WithMinimumCalls(c.minCalls)}
	if c.consecutive > 0 {
		opts = append(opts, WithConsecutiveFailures(c.consecutive))
	}
	if c.failureRate > 0 {
		opts = append(opts, WithFailureRate(c.failureRate))
	}
	if c.slowRate > 0 {
		opts = append(opts, WithSlowCall(c.slowThreshold, c.slowRate))
	}
	if c.countWindow > 0 {
		opts = append(opts, WithCountWindow(c.countWindow))
	}
	if c.timeWindow > 0 {
		opts = append(opts, WithTimeWindow(c.timeWindow, c.buckets))
	}
	if c.backoffMax > 0 {
		opts = append(opts, WithOpenBackoff(c.backoffMax, c.backoffMult, 0))
	}
	return opts
}

// entry is a recorded outcome in the model's window.
type entry struct {
	period        int64 // of a time window
	failure, slow bool
}

// model is the reference breaker. Times are durations since the breaker
// was made; gen counts the states entered, to drop stale outcomes.
type model struct {
	c           modelConfig
	state       State
	gen         int
	since       time.Duration
	consecutive int
	entries     []entry
	openUntil   time.Duration
	level       int
	probes      int
	successes   int
	trips       int
	rejected    int
	changes     []change
}

func newModel(c modelConfig) *model {
	if c.consecutive == 0 && c.failureRate == 0 && c.slowRate == 0 {
		c.consecutive = DefaultConsecutiveFailures
	}
	return &model{c: c}
}

func (m *model) move(to State, now time.Duration) {
	switch to {
	case StateOpen:
		d := float64(m.c.open)
		if m.c.backoffMax > 0 {
			d = min(d*math.Pow(m.c.backoffMult, float64(m.level)), float64(m.c.backoffMax))
		}
		m.openUntil = now + time.Duration(d)
		m.level++
		m.trips++
	case StateHalfOpen:
		m.probes, m.successes = 0, 0
	case StateClosed:
		m.level, m.consecutive, m.entries = 0, 0, nil
	}
	if m.state != to {
		m.changes = append(m.changes, change{m.state, to})
	}
	m.state, m.since = to, now
	m.gen++
}

// admit returns whether a call at now is let through, or the rejection.
func (m *model) admit(now time.Duration) (bool, OpenError) {
	if m.state == StateOpen && now >= m.openUntil {
		m.move(StateHalfOpen, now)
	}
	switch m.state {
	case StateOpen:
		m.rejected++
		return false, OpenError{State: StateOpen, Wait: m.openUntil - now}
	case StateForcedOpen:
		m.rejected++
		return false, OpenError{State: StateForcedOpen}
	case StateHalfOpen:
		if m.probes == m.c.probes {
			m.rejected++
			return false, OpenError{State: StateHalfOpen}
		}
		m.probes++
	}
	return true, OpenError{}
}

// outcome is what a call returns.
type outcome int

const (
	success outcome = iota
	failure
	ignored
)

// record records the outcome of a call admitted in gen at start, ending now.
func (m *model) record(gen int, start, now time.Duration, o outcome) {
	if gen != m.gen {
		return
	}
	slow := m.c.slowRate > 0 && now-start > m.c.slowThreshold
	switch m.state {
	case StateClosed:
		if o != ignored {
			m.recordClosed(now, o == failure, slow)
		}
	case StateHalfOpen:
		switch {
		case o == ignored:
			m.probes--
		case o == failure || slow:
			m.move(StateOpen, now)
		default:
			m.successes++
			if m.successes == m.c.successes {
				m.move(StateClosed, now)
			}
		}
	}
}

func (m *model) recordClosed(now time.Duration, failed, slow bool) {
	if failed {
		m.consecutive++
	} else {
		m.consecutive = 0
	}
	if m.c.countWindow > 0 || m.c.timeWindow > 0 {
		m.entries = append(m.entries, entry{m.period(now), failed, slow})
		if n := m.c.countWindow; n > 0 && len(m.entries) > n {
			m.entries = m.entries[len(m.entries)-n:]
		}
	}
	calls, failures, slows := m.counts(now)
	trip := m.c.consecutive > 0 && m.consecutive >= m.c.consecutive
	if calls >= int64(m.c.minCalls) {
		trip = trip ||
			m.c.failureRate > 0 && float64(failures)/float64(calls) >= m.c.failureRate ||
			m.c.slowRate > 0 && float64(slows)/float64(calls) >= m.c.slowRate
	}
	if trip {
		m.move(StateOpen, now)
	}
}

func (m *model) period(now time.Duration) int64 {
	if m.c.timeWindow == 0 {
		return 0
	}
	return int64(now/(m.c.timeWindow/time.Duration(m.c.buckets))) + 1
}

// counts returns the calls, failures and slow calls in the window at now.
func (m *model) counts(now time.Duration) (calls, failures, slow int64) {
	p := m.period(now)
	for _, e := range m.entries {
		if m.c.timeWindow > 0 && e.period <= p-int64(m.c.buckets) {
			continue
		}
		calls++
		if e.failure {
			failures++
		}
		if e.slow {
			slow++
		}
	}
	return calls, failures, slow
}

// stateNow is Breaker.State.
func (m *model) stateNow(now time.Duration) State {
	if m.state == StateOpen && now >= m.openUntil {
		m.move(StateHalfOpen, now)
	}
	return m.state
}

// control is ForceOpen, Disable or Reset.
func (m *model) control(to State, now time.Duration) {
	if m.state == to && to != StateClosed {
		return
	}
	m.move(to, now)
}

// chooser draws the choices of a run: from a random source, or from the
// bytes of a fuzz input.
type chooser interface {
	// intn returns a number in [0, n); ok is false when the input is
	// exhausted.
	intn(n int) (v int, ok bool)
}

type randChooser struct{ r *rand.Rand }

func (c randChooser) intn(n int) (int, bool) { return c.r.IntN(n), true }

type byteChooser struct{ b []byte }

func (c *byteChooser) intn(n int) (int, bool) {
	if len(c.b) == 0 {
		return 0, false
	}
	v := int(c.b[0]) % n
	c.b = c.b[1:]
	return v, true
}

func pick[T any](c chooser, xs ...T) T {
	i, _ := c.intn(len(xs))
	return xs[i]
}

func drawConfig(c chooser) modelConfig {
	mc := modelConfig{
		consecutive: pick(c, 0, 0, 1, 2, 3),
		failureRate: pick(c, 0, 0.25, 0.5, 1),
		minCalls:    pick(c, 1, 2, 3, 4),
		open:        pick(c, 0, time.Second, 3*time.Second),
		probes:      pick(c, 1, 2, 3),
	}
	if pick(c, false, true) {
		mc.slowThreshold, mc.slowRate = 100*time.Millisecond, pick(c, 0.5, 1)
	}
	if pick(c, false, true) {
		mc.countWindow = max(mc.minCalls, pick(c, 1, 2, 4, 8))
	} else {
		mc.buckets = pick(c, 1, 2, 5)
		mc.timeWindow = time.Duration(mc.buckets) * pick(c, 300*time.Millisecond, time.Second)
	}
	mc.successes = pick(c, 1, 2, 3)
	mc.successes = min(mc.successes, mc.probes)
	if mc.open > 0 && pick(c, false, true) {
		mc.backoffMax, mc.backoffMult = pick[time.Duration](c, 4, 10)*time.Second, pick(c, 1.0, 1.5, 2)
	}
	return mc
}

// inFlight is a two-step call begun and not yet ended.
type inFlight struct {
	done  func(error)
	gen   int
	start time.Duration
}

// driver applies operations to a Breaker and a model.
type driver struct {
	t       *testing.T
	b       *Breaker
	m       *model
	base    time.Time
	pending []inFlight
	hooked  []change
	log     []string // the operations so far, for failure messages
}

func (d *driver) now() time.Duration { return time.Since(d.base) }

var outcomeErrs = map[outcome]error{success: nil, failure: errBoom, ignored: context.Canceled}

// call runs b.Do with fn taking dur and ending with o (or a panic).
func (d *driver) call(o outcome, dur time.Duration, panics bool) {
	d.log = append(d.log, fmt.Sprintf("call(%v, %v, panic %v)", o, dur, panics))
	start := d.now()
	ok, rej := d.m.admit(start)
	gen := d.m.gen
	ran := false
	err := func() (err error) {
		defer func() {
			if v := recover(); v != nil && v != "model" {
				panic(v)
			}
		}()
		return d.b.Do(context.Background(), func(context.Context) error {
			ran = true
			time.Sleep(dur)
			if panics {
				panic("model")
			}
			return outcomeErrs[o]
		})
	}()
	if ran != ok {
		d.t.Fatalf("%v: fn ran = %v, model admits = %v (err %v)", d.log, ran, ok, err)
	}
	if !ok {
		d.checkRejection(err, rej)
		return
	}
	if panics {
		o = failure
	}
	d.m.record(gen, start, d.now(), o)
}

func (d *driver) checkRejection(err error, want OpenError) {
	d.t.Helper()
	var oe *OpenError
	if !errors.As(err, &oe) || oe.State != want.State || oe.Wait != want.Wait {
		d.t.Fatalf("%v: rejection = %v, want %+v", d.log, err, want)
	}
}

// begin starts a two-step call with Allow.
func (d *driver) begin() {
	d.log = append(d.log, "begin")
	now := d.now()
	ok, rej := d.m.admit(now)
	done, err := d.b.Allow()
	if (err == nil) != ok {
		d.t.Fatalf("%v: Allow() = %v, model admits = %v", d.log, err, ok)
	}
	if !ok {
		d.checkRejection(err, rej)
		return
	}
	d.pending = append(d.pending, inFlight{done, d.m.gen, now})
}

// end ends the i-th two-step call in flight with o.
func (d *driver) end(i int, o outcome) {
	d.log = append(d.log, fmt.Sprintf("end(%d, %v)", i, o))
	p := d.pending[i]
	d.pending = slices.Delete(d.pending, i, i+1)
	p.done(outcomeErrs[o])
	d.m.record(p.gen, p.start, d.now(), o)
}

func (d *driver) sleep(dur time.Duration) {
	d.log = append(d.log, fmt.Sprintf("sleep(%v)", dur))
	time.Sleep(dur)
}

func (d *driver) control(to State) {
	d.log = append(d.log, fmt.Sprintf("control(%v)", to))
	switch to {
	case StateForcedOpen:
		d.b.ForceOpen()
	case StateDisabled:
		d.b.Disable()
	default:
		d.b.Reset()
	}
	d.m.control(to, d.now())
}

// checkState compares State, which may move an open breaker to half-open.
func (d *driver) checkState() {
	d.log = append(d.log, "State")
	if got, want := d.b.State(), d.m.stateNow(d.now()); got != want {
		d.t.Fatalf("%v: State() = %v, model %v", d.log, got, want)
	}
	st := d.b.Stats()
	calls, failures, slow := d.m.counts(d.now())
	want := Stats{
		State: d.m.state, Calls: calls, Failures: failures, SlowCalls: slow,
		FailureRate: rate(failures, calls), SlowCallRate: rate(slow, calls),
		ConsecutiveFailures: int64(d.m.consecutive), Trips: uint64(d.m.trips),
		Rejected: uint64(d.m.rejected), LastTransition: d.base.Add(d.m.since),
	}
	if st != want {
		d.t.Fatalf("%v:\nStats() = %+v\nmodel    %+v", d.log, st, want)
	}
}

// compare checks, without moving the breaker, its state, counts and the
// hooks it ran against the model's.
func (d *driver) compare() {
	d.t.Helper()
	g := d.b.cur.Load()
	if g.state != d.m.state {
		d.t.Fatalf("%v: state = %v, model %v", d.log, g.state, d.m.state)
	}
	var c counts
	if w := g.metrics; w.cw != nil {
		c = w.cw.counts()
	} else if w.tw != nil {
		c = w.tw.counts(d.b.now())
	}
	calls, failures, slow := d.m.counts(d.now())
	if c != (counts{calls, failures, slow}) {
		d.t.Fatalf("%v: window = %+v, model {%d %d %d}", d.log, c, calls, failures, slow)
	}
	if got := g.metrics.consecutive.Load(); got != int64(d.m.consecutive) {
		d.t.Fatalf("%v: consecutive = %d, model %d", d.log, got, d.m.consecutive)
	}
	if !slices.Equal(d.hooked, d.m.changes) {
		d.t.Fatalf("%v: hooks saw %v, model %v", d.log, d.hooked, d.m.changes)
	}
}

// step draws and applies one operation; it returns false when c is
// exhausted.
func (d *driver) step(c chooser) bool {
	op, ok := c.intn(12)
	if !ok {
		return false
	}
	o := pick(c, success, failure, ignored)
	switch {
	case op < 5:
		d.call(o, pick(c, 0, 0, 50*time.Millisecond, 150*time.Millisecond), false)
	case op == 5:
		d.call(failure, pick(c, 0, 150*time.Millisecond), true)
	case op == 6:
		d.begin()
	case op == 7 && len(d.pending) > 0:
		i, _ := c.intn(len(d.pending))
		d.end(i, o)
	case op == 8:
		d.sleep(pick(c, 100*time.Millisecond, 500*time.Millisecond, time.Second, 2500*time.Millisecond, time.Minute))
	case op == 9:
		d.checkState()
	case op == 10 && pick(c, 0, 1, 2, 3) == 0:
		d.control(pick(c, StateForcedOpen, StateDisabled, StateClosed))
	}
	d.compare()
	return true
}

// drive runs a configuration and up to steps operations drawn from c, in a
// synctest bubble.
func drive(t *testing.T, c chooser, steps int) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		mc := drawConfig(c)
		d := &driver{t: t, m: newModel(mc), base: time.Now()}
		opts := append(mc.options(), WithOnStateChange(func(_ string, from, to State) {
			d.hooked = append(d.hooked, change{from, to})
		}))
		var err error
		if d.b, err = New(opts...); err != nil {
			t.Fatalf("New(%+v) = %v", mc, err)
		}
		d.log = []string{fmt.Sprintf("%+v", mc)}
		for i := 0; i < steps && d.step(c); i++ {
		}
		for len(d.pending) > 0 { // end what is in flight
			d.end(0, success)
			d.compare()
		}
	})
}

func TestModel(t *testing.T) {
	for seed := range uint64(300) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			drive(t, randChooser{rand.New(rand.NewPCG(seed, 0x62726b))}, 400)
		})
	}
}

func FuzzModel(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x02\x01\x00\x01\x01\x00\x01\x00\x00\x00\x01\x01\x02\x03\x00\x01\x00\x01\x01\x08\x03"))
	for seed := range uint64(8) {
		r := rand.New(rand.NewPCG(seed, 1))
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		drive(t, &byteChooser{data}, len(data))
	})
}
