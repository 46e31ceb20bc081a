package sim

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Compare runs each strategy on scenario s with the same seed (so they
// meet the same arrivals and the same dependency draws, as far as their
// calls go alike) and returns their results in order. It stops at the
// first error.
func Compare(s Scenario, seed uint64, strategies ...Strategy) ([]*Result, error) {
	rs := make([]*Result, 0, len(strategies))
	for _, st := range strategies {
		r, err := Run(s, st, seed)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// WriteTable writes results as an aligned text table, one row per result:
// goodput (and its share of the offered load), amplification, latency
// percentiles, errors by cause and the time to recover.
func WriteTable(w io.Writer, results []*Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "strategy\tgoodput/s\tof offered\tcalls/req\tp50\tp99\tp99.9\ttimeout\trejected\tbudget\tdep error\trecovery")
	for _, r := range results {
		share := 0.0
		if r.Offered > 0 {
			share = r.Goodput / r.Offered
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.1f%%\t%.2f\t%v\t%v\t%v\t%d\t%d\t%d\t%d\t%s\n",
			r.Strategy, r.Goodput, 100*share, r.Amplification,
			round(r.P50), round(r.P99), round(r.P999),
			r.Errors.Timeout, r.Errors.Rejected, r.Errors.Budget, r.Errors.Dependency, recoveryText(r))
	}
	return tw.Flush()
}

func recoveryText(r *Result) string {
	switch {
	case r.Recovered:
		return r.Recovery.String()
	case !r.Incident:
		return "-"
	}
	return "never"
}

// round keeps three significant figures of d.
func round(d time.Duration) time.Duration {
	for _, r := range []time.Duration{time.Second, 100 * time.Millisecond, 10 * time.Millisecond, time.Millisecond, 100 * time.Microsecond, 10 * time.Microsecond} {
		if d >= 100*r {
			return d.Round(r)
		}
	}
	return d.Round(time.Microsecond)
}
