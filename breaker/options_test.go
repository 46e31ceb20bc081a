package breaker

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string // the start of the error
	}{
		{"nil option", []Option{nil}, "breaker: nil Option"},
		{"consecutive 0", []Option{WithConsecutiveFailures(0)}, "breaker: WithConsecutiveFailures: n must be >= 1, got 0"},
		{"failure rate 0", []Option{WithFailureRate(0)}, "breaker: WithFailureRate: threshold must be in (0, 1], got 0"},
		{"failure rate > 1", []Option{WithFailureRate(1.5)}, "breaker: WithFailureRate: threshold must be in (0, 1], got 1.5"},
		{"failure rate NaN", []Option{WithFailureRate(math.NaN())}, "breaker: WithFailureRate: threshold must be in (0, 1], got NaN"},
		{"slow threshold 0", []Option{WithSlowCall(0, 0.5)}, "breaker: WithSlowCall: threshold must be > 0, got 0s"},
		{"slow rate -1", []Option{WithSlowCall(time.Second, -1)}, "breaker: WithSlowCall: rate must be in (0, 1], got -1"},
		{"count window 0", []Option{WithCountWindow(0)}, "breaker: WithCountWindow: size must be in [1, 1048576], got 0"},
		{"count window huge", []Option{WithCountWindow(MaxCountWindow + 1)}, "breaker: WithCountWindow: size must be in [1, 1048576], got 1048577"},
		{"time window 0", []Option{WithTimeWindow(0, 10)}, "breaker: WithTimeWindow: duration must be > 0"},
		{"time window negative", []Option{WithTimeWindow(-time.Second, 10)}, "breaker: WithTimeWindow: duration must be > 0"},
		{"time window too short", []Option{WithTimeWindow(5, 10)}, "breaker: WithTimeWindow: duration must be > 0 and at least 1ns per bucket, got 5ns for 10 buckets"},
		{"buckets 0", []Option{WithTimeWindow(time.Second, 0)}, "breaker: WithTimeWindow: buckets must be in [1, 4096], got 0"},
		{"minimum 0", []Option{WithMinimumCalls(0)}, "breaker: WithMinimumCalls: n must be >= 1, got 0"},
		{"minimum above window", []Option{WithFailureRate(0.5), WithCountWindow(10), WithMinimumCalls(11)}, "breaker: WithMinimumCalls: 11 calls never fit in a window of 10"},
		{"open negative", []Option{WithOpenDuration(-time.Second)}, "breaker: WithOpenDuration: duration must be >= 0, got -1s"},
		{"backoff max 0", []Option{WithOpenBackoff(0, 2, 0)}, "breaker: WithOpenBackoff: max must be > 0, got 0s"},
		{"backoff multiplier", []Option{WithOpenBackoff(time.Minute, 0.5, 0)}, "breaker: WithOpenBackoff: multiplier must be >= 1, got 0.5"},
		{"backoff jitter", []Option{WithOpenBackoff(time.Minute, 2, 1.1)}, "breaker: WithOpenBackoff: jitter must be in [0, 1], got 1.1"},
		{"backoff below open", []Option{WithOpenDuration(time.Minute), WithOpenBackoff(time.Second, 2, 0)}, "breaker: WithOpenBackoff: max 1s is below the open duration 1m0s"},
		{"backoff below default open", []Option{WithOpenBackoff(time.Second, 2, 0)}, "breaker: WithOpenBackoff: max 1s is below the open duration 10s"},
		{"backoff of no open duration", []Option{WithOpenDuration(0), WithOpenBackoff(time.Second, 2, 0)}, "breaker: WithOpenBackoff: an open duration of 0 (WithOpenDuration(0)) cannot grow"},
		{"probes 0", []Option{WithHalfOpenProbes(0)}, "breaker: WithHalfOpenProbes: n must be >= 1, got 0"},
		{"successes 0", []Option{WithHalfOpenSuccesses(0)}, "breaker: WithHalfOpenSuccesses: n must be >= 1, got 0"},
		{"successes above probes", []Option{WithHalfOpenProbes(2), WithHalfOpenSuccesses(3)}, "breaker: WithHalfOpenSuccesses: 3 successes need as many probes, but WithHalfOpenProbes is 2"},
		{"successes above default probes", []Option{WithHalfOpenSuccesses(2)}, "breaker: WithHalfOpenSuccesses: 2 successes need as many probes, but WithHalfOpenProbes is 1"},
		{"nil is-failure", []Option{WithIsFailure(nil)}, "breaker: WithIsFailure: nil func"},
		{"nil is-ignored", []Option{WithIsIgnored(nil)}, "breaker: WithIsIgnored: nil func"},
		{"nil hook", []Option{WithOnStateChange(nil)}, "breaker: WithOnStateChange: nil func"},
		{"two windows", []Option{WithCountWindow(10), WithTimeWindow(time.Second, 10)}, "breaker: WithCountWindow and WithTimeWindow cannot be combined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.opts...)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("New(%s) = %v, want an error starting %q", tt.name, err, tt.want)
			}
			if b != nil {
				t.Fatalf("New(%s) returned a Breaker with its error", tt.name)
			}
		})
	}
}

func TestOptionDefaults(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want config
	}{
		{"none", nil, config{consecutive: 5, minCalls: 20, openDuration: 10 * time.Second, probes: 1, successes: 1}},
		{"failure rate", []Option{WithFailureRate(0.5)}, config{failureRate: 0.5, countWindow: 100, minCalls: 20, openDuration: 10 * time.Second, probes: 1, successes: 1}},
		{"small window", []Option{WithFailureRate(0.5), WithCountWindow(8)}, config{failureRate: 0.5, countWindow: 8, minCalls: 8, openDuration: 10 * time.Second, probes: 1, successes: 1}},
		{"time window", []Option{WithSlowCall(time.Second, 1), WithTimeWindow(time.Minute, 6)}, config{slowThreshold: time.Second, slowRate: 1, timeWindow: time.Minute, buckets: 6, minCalls: 20, openDuration: 10 * time.Second, probes: 1, successes: 1}},
		{"probes", []Option{WithHalfOpenProbes(4), WithOpenDuration(0)}, config{consecutive: 5, minCalls: 20, probes: 4, successes: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newConfig(tt.opts)
			if err != nil {
				t.Fatalf("newConfig(%s) = %v", tt.name, err)
			}
			if got.consecutive != tt.want.consecutive || got.failureRate != tt.want.failureRate ||
				got.slowThreshold != tt.want.slowThreshold || got.slowRate != tt.want.slowRate ||
				got.countWindow != tt.want.countWindow || got.timeWindow != tt.want.timeWindow ||
				got.buckets != tt.want.buckets || got.minCalls != tt.want.minCalls ||
				got.openDuration != tt.want.openDuration || got.probes != tt.want.probes ||
				got.successes != tt.want.successes {
				t.Fatalf("newConfig(%s) = %+v, want %+v", tt.name, got, tt.want)
			}
		})
	}
}
