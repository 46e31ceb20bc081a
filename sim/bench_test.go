package sim

import (
	"fmt"
	"testing"
)

// BenchmarkScenarios runs every built-in scenario with each of its
// strategies, one sub-benchmark each, and reports the run's results as
// metrics, so that benchstat compares the strategies:
//
//	go test -run '^$' -bench Scenarios -count 5 ./sim | tee runs.txt
//	benchstat -col /strategy runs.txt
//
// ns/op is the wall time of a whole run (seed 1).
func BenchmarkScenarios(b *testing.B) {
	for _, sc := range Scenarios() {
		s, sts := sc()
		for _, st := range sts {
			b.Run(fmt.Sprintf("scenario=%s/strategy=%s", s.Name, benchName(st.Name)), func(b *testing.B) {
				var r *Result
				for b.Loop() {
					var err error
					if r, err = Run(s, st, 1); err != nil {
						b.Fatal(err)
					}
				}
				report(b, r)
			})
		}
	}
}

// report reports a run's results as benchmark metrics.
func report(b *testing.B, r *Result) {
	b.ReportMetric(r.Goodput, "goodput/s")
	b.ReportMetric(r.Goodput/r.Offered, "goodput-share")
	b.ReportMetric(r.Amplification, "calls/req")
	b.ReportMetric(float64(r.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(r.P99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(r.P999.Microseconds())/1000, "p99.9-ms")
	b.ReportMetric(float64(r.Errors.Timeout), "timeouts")
	b.ReportMetric(float64(r.Errors.Rejected), "rejected")
	b.ReportMetric(float64(r.Errors.Budget), "budget-refusals")
	b.ReportMetric(float64(r.Errors.Dependency), "dep-errors")
	if r.Recovered {
		b.ReportMetric(r.Recovery.Seconds(), "recovery-s")
	}
}

// benchName makes a strategy's name fit in a benchmark name (no spaces).
func benchName(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c == ' ' {
			out[i] = '_'
		}
	}
	return string(out)
}

// BenchmarkJitter compares the strategies in the contention simulation of
// the AWS article (see Jitter): slots of 1ms, base 10ms, cap 1s. It reports
// the mean over jitterSeeds seeds of the total calls and of the virtual
// completion time; ns/op is the cost of the simulation itself.
func BenchmarkJitter(b *testing.B) {
	for _, clients := range []int{10, 50, 100} {
		for _, tt := range jitterStrategies {
			b.Run(fmt.Sprintf("%s/clients=%d", tt.name, clients), func(b *testing.B) {
				var m jitterMean
				for b.Loop() {
					var err error
					if m, err = jitterMeanOf(clients, tt.s); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(m.calls, "calls")
				b.ReportMetric(m.completion.Seconds()*1000, "virtual-ms")
			})
		}
	}
}
