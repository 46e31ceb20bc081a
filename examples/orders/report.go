package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// result is what the demo measured, for the report and its check.
type result struct {
	elapsed time.Duration

	// The clients' view.
	orders, accepted, requests, shed, replayed, conflicts, unavailable, noAnswer, resent uint64
	rejected                                                                             []string
	intakeP50, intakeP99, endP50, endP99                                                 time.Duration

	// Every accepted order is in exactly one of these.
	charged, dead, pending int
	chargedThenDead        int // charged (one line) and dead-lettered: the answer was lost every time

	doubled    int // orders with two or more lines in the raw log
	unaccepted int // charged orders whose clients never saw a 2xx answer
	strangers  int // raw-log lines or dead letters of orders no client placed
	lines      int // lines in the raw log

	provider providerCounts
	workers  workerStats
	held     int64 // entries the killed worker left unacknowledged

	enqueued, duplicates uint64 // the intakes' jobs, and enqueues the unique key caught
	crashed              string // the order the intake enqueued before it crashed
	crashedLines         int    // its lines in the raw log
	queue                queueState
}

// providerCounts are the provider's counts.
type providerCounts struct {
	requests, limited, refused, lost, delayed, executed, replayed uint64
}

// gather builds the result from the raw log, the clients, the workers'
// reports and the queue's final state.
func gather(s *system, begin time.Time) (result, error) {
	execs, err := readRawLog(s.provider.logPath)
	if err != nil {
		return result{}, err
	}
	orders, latency, rejected := s.clients.snapshot()
	c, p := s.clients, s.provider
	r := result{
		elapsed: time.Since(begin), orders: c.next.Load(), accepted: c.accepted.Load(),
		requests: c.requests.Load(), shed: c.shed.Load(), replayed: c.replayed.Load(),
		conflicts: c.conflicts.Load(), unavailable: c.unavailable.Load(), noAnswer: c.failed.Load(),
		resent: c.resent.Load(), rejected: rejected, lines: len(execs),
		provider: providerCounts{p.requests.Load(), p.limited.Load(), p.refused.Load(), p.lost.Load(),
			p.delayed.Load(), p.executed.Load(), p.replayed.Load()},
		held: s.killedHeld, queue: s.final,
	}
	r.workers, _ = s.workerTotals()
	r.enqueued, r.duplicates = s.intakeTotals()
	r.intakeP50, r.intakeP99 = percentiles(latency)
	r.account(orders, execs, s.final.dead)
	r.crashed = s.crashed
	for _, e := range execs {
		if e.order == r.crashed {
			r.crashedLines++
		}
	}
	return r, nil
}

// account sorts every accepted order into one category, from the raw log
// and the dead letters, and measures the end-to-end latency.
func (r *result) account(orders map[string]placed, execs []execution, dead []string) {
	lines := make(map[string][]execution, len(execs))
	for _, e := range execs {
		lines[e.order] = append(lines[e.order], e)
	}
	isDead := make(map[string]bool, len(dead))
	for _, id := range dead {
		isDead[id] = true
		if _, ok := orders[id]; !ok {
			r.strangers++
		}
	}
	var endToEnd []time.Duration
	for id, ls := range lines {
		o, ok := orders[id]
		switch {
		case !ok:
			r.strangers++
			continue
		case o.accepted.IsZero():
			r.unaccepted++
		}
		if len(ls) > 1 {
			r.doubled++
		}
		endToEnd = append(endToEnd, ls[0].at.Sub(o.first))
	}
	for id, o := range orders {
		if o.accepted.IsZero() {
			continue
		}
		switch n := len(lines[id]); {
		case n == 1 && isDead[id]:
			r.chargedThenDead++
		case n == 1:
			r.charged++
		case n == 0 && isDead[id]:
			r.dead++
		case n == 0:
			r.pending++
		}
	}
	r.endP50, r.endP99 = percentiles(endToEnd)
}

// percentiles returns the 50th and 99th percentiles of ds.
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	return ds[len(ds)*50/100], ds[min(len(ds)-1, len(ds)*99/100)]
}

// check returns an error naming every way the report does not add up.
func (r result) check() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if got := uint64(r.charged + r.chargedThenDead + r.dead + r.pending + r.doubled); got != r.accepted {
		fail("accepted %d != charged %d + charged then dead-lettered %d + dead-lettered %d + pending %d + charged twice or more %d",
			r.accepted, r.charged, r.chargedThenDead, r.dead, r.pending, r.doubled)
	}
	if r.doubled > 0 {
		fail("%d orders were charged more than once (two or more lines in the raw log)", r.doubled)
	}
	if r.pending > 0 {
		fail("%d accepted orders are neither charged nor dead-lettered after the drain", r.pending)
	}
	if q := r.queue; q.pending != 0 || q.lag != 0 || q.delayed != 0 {
		fail("the queue is not empty after the drain: %d pending, %d unread, %d waiting to retry", q.pending, q.lag, q.delayed)
	}
	if r.queue.err != nil {
		fail("reading the queue's final state: %v", r.queue.err)
	}
	if r.strangers > 0 {
		fail("%d raw-log lines or dead letters name orders no client placed", r.strangers)
	}
	if uint64(r.lines) != r.provider.executed {
		fail("the raw log has %d lines, the provider counted %d executions", r.lines, r.provider.executed)
	}
	if len(r.rejected) > 0 {
		fail("%d orders were refused outright (%s...)", len(r.rejected), r.rejected[0])
	}
	if r.accepted == 0 {
		fail("no order was accepted")
	}
	return errors.Join(errs...)
}

// print writes the final report.
func (r result) print(out io.Writer) {
	w := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	w("")
	w("== report (%.1fs) ==", r.elapsed.Seconds())
	w("orders placed %d, accepted by the intake (2xx) %d, never accepted %d", r.orders, r.accepted, r.orders-r.accepted)
	w("  charged exactly once (one raw-log line)  %6d", r.charged)
	if r.chargedThenDead > 0 {
		w("  charged once, then dead-lettered         %6d  (the worker never saw the answer)", r.chargedThenDead)
	}
	w("  dead-lettered (no raw-log line)          %6d  after %d deliveries", r.dead, maxDeliveries)
	w("  pending at the end                       %6d", r.pending)
	w("  = %d; charged twice or more: %d (raw log: %d lines)", r.charged+r.chargedThenDead+r.dead+r.pending+r.doubled, r.doubled, r.lines)
	if r.unaccepted > 0 {
		w("  and %d orders charged whose clients gave up before an answer reached them", r.unaccepted)
	}
	w("intake: %d requests; shed %d (429); duplicates replayed by its idempotency layer %d (%d resent on purpose); "+
		"409 in progress %d; 5xx %d; no answer %d", r.requests, r.shed, r.replayed, r.resent, r.conflicts, r.unavailable, r.noAnswer)
	w("queue: %d jobs enqueued (the crashed intake's last ones uncounted); %d enqueues found their order still queued (its unique key); "+
		"a resend after the order was charged makes a second job, which the provider's idempotency layer absorbs", r.enqueued, r.duplicates)
	if r.crashed != "" {
		w("the intake crashed after enqueueing %s, before recording its answer; its client resent it: raw-log lines for it %d",
			r.crashed, r.crashedLines)
	}
	w("workers: %d handled, %d failed deliveries, %d retried later, %d dead-lettered; %d entries reclaimed (the killed worker left %d); "+
		"%d HTTP retries, breaker opened %d times, %d charges waited for the shared rate limit",
		r.workers.Handled, r.workers.Failed, r.workers.Retried, r.workers.DeadLettered, r.workers.Reclaimed, r.held,
		r.workers.HTTPRetries, r.workers.BreakerOpens, r.workers.Throttled)
	w("provider: %d requests; 429 %d; 503 %d; answers lost %d; slowed %d; executions %d; redeliveries absorbed by its idempotency layer %d",
		r.provider.requests, r.provider.limited, r.provider.refused, r.provider.lost, r.provider.delayed,
		r.provider.executed, r.provider.replayed)
	w("latency: intake p50 %v p99 %v; end to end (first request to charge) p50 %v p99 %v",
		r.intakeP50.Round(10*time.Microsecond), r.intakeP99.Round(10*time.Microsecond),
		r.endP50.Round(time.Millisecond), r.endP99.Round(time.Millisecond))
	w("queue at the end: %d pending, %d unread, %d waiting to retry", r.queue.pending, r.queue.lag, r.queue.delayed)
	if err := r.check(); err != nil {
		w("DOES NOT ADD UP: %v", err)
		return
	}
	w("OK: every accepted order is charged once or dead-lettered, none twice")
}
