package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Latency is a distribution of call durations. The simulator draws from it
// with its own random source, so a run stays a function of its seed.
type Latency interface {
	// Sample draws one duration, >= 0.
	Sample(r *rand.Rand) time.Duration
	// String describes the distribution, for tables.
	String() string
}

// Fixed is a latency that is always d.
func Fixed(d time.Duration) Latency { return fixed(max(d, 0)) }

type fixed time.Duration

func (f fixed) Sample(*rand.Rand) time.Duration { return time.Duration(f) }
func (f fixed) String() string                  { return fmt.Sprintf("fixed %v", time.Duration(f)) }

// Exponential is an exponential latency of the given mean: the service time
// of a memoryless server.
func Exponential(mean time.Duration) Latency { return exponential(max(mean, 0)) }

type exponential time.Duration

func (e exponential) Sample(r *rand.Rand) time.Duration {
	return time.Duration(r.ExpFloat64() * float64(e))
}
func (e exponential) String() string { return fmt.Sprintf("exp mean %v", time.Duration(e)) }

// LogNormal is a log-normal latency with the given median and shape sigma
// (the standard deviation of its logarithm): the usual shape of a service's
// latency, with p99 = median * e^(2.33 sigma).
func LogNormal(median time.Duration, sigma float64) Latency {
	return logNormal{float64(max(median, 0)), max(sigma, 0)}
}

type logNormal struct{ median, sigma float64 }

func (l logNormal) Sample(r *rand.Rand) time.Duration {
	return time.Duration(l.median * math.Exp(l.sigma*r.NormFloat64()))
}
func (l logNormal) String() string {
	return fmt.Sprintf("lognormal median %v sigma %.2f", time.Duration(l.median), l.sigma)
}

// HeavyTail is base most of the time and slow with probability p: the
// shape of "The Tail at Scale", where a few calls meet a garbage
// collection, a queue or a lost packet.
func HeavyTail(base Latency, p float64, slow Latency) Latency {
	return heavyTail{base, min(max(p, 0), 1), slow}
}

type heavyTail struct {
	base Latency
	p    float64
	slow Latency
}

func (h heavyTail) Sample(r *rand.Rand) time.Duration {
	if r.Float64() < h.p {
		return h.slow.Sample(r)
	}
	return h.base.Sample(r)
}
func (h heavyTail) String() string {
	return fmt.Sprintf("%v, %.2g%% %v", h.base, 100*h.p, h.slow)
}

// Observed draws from latencies a user measured, each equally likely (for
// example, a day of a dependency's call durations from the logs). It
// returns an error for an empty list or a negative latency.
func Observed(latencies []time.Duration) (Latency, error) {
	if len(latencies) == 0 {
		return nil, fmt.Errorf("sim: Observed: no latencies")
	}
	for i, d := range latencies {
		if d < 0 {
			return nil, fmt.Errorf("sim: Observed: latency %d is negative: %v", i, d)
		}
	}
	return observed(slices.Clone(latencies)), nil
}

type observed []time.Duration

func (o observed) Sample(r *rand.Rand) time.Duration { return o[r.IntN(len(o))] }
func (o observed) String() string                    { return fmt.Sprintf("observed (%d)", len(o)) }

// Bucket is a bar of a latency histogram: Count calls took up to Le (and
// more than the previous bucket's Le).
type Bucket struct {
	Le    time.Duration
	Count uint64
}

// Histogram draws from a histogram of observed latencies, such as the
// buckets of a Prometheus histogram: a bucket is chosen in proportion to
// its count, and a latency uniformly within it (between the previous
// bucket's bound, or 0, and its own). Buckets must be in increasing order
// of Le, with a total count > 0.
func Histogram(buckets []Bucket) (Latency, error) {
	var total uint64
	prev := time.Duration(0)
	for i, b := range buckets {
		if b.Le < prev || (i > 0 && b.Le == prev) {
			return nil, fmt.Errorf("sim: Histogram: bucket %d: Le %v is not above the previous bound %v", i, b.Le, prev)
		}
		prev = b.Le
		total += b.Count
	}
	if total == 0 {
		return nil, fmt.Errorf("sim: Histogram: total count must be > 0")
	}
	return histogram{slices.Clone(buckets), total}, nil
}

type histogram struct {
	b     []Bucket
	total uint64
}

func (h histogram) Sample(r *rand.Rand) time.Duration {
	n := r.Uint64N(h.total)
	lo := time.Duration(0)
	for _, b := range h.b {
		if n < b.Count {
			return lo + time.Duration(r.Int64N(int64(b.Le-lo)+1))
		}
		n -= b.Count
		lo = b.Le
	}
	return lo
}
func (h histogram) String() string { return fmt.Sprintf("histogram (%d buckets)", len(h.b)) }

// Quantile estimates the q-quantile of l from n draws of a source seeded
// with seed: the delay at which to hedge, say (q = 0.95). It returns an
// error for a nil l, a q outside (0, 1) or an n < 1.
func Quantile(l Latency, q float64, n int, seed uint64) (time.Duration, error) {
	switch {
	case l == nil:
		return 0, errors.New("sim: Quantile: Latency must not be nil")
	case !(q > 0 && q < 1):
		return 0, fmt.Errorf("sim: Quantile: q must be in (0, 1), got %v", q)
	case n < 1:
		return 0, fmt.Errorf("sim: Quantile: n must be >= 1, got %d", n)
	}
	return sampleQuantile(l, q, n, seed), nil
}

// sampleQuantile is Quantile for valid arguments.
func sampleQuantile(l Latency, q float64, n int, seed uint64) time.Duration {
	r := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = l.Sample(r)
	}
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}
