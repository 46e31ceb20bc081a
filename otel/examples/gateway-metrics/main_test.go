package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRunPrintsTheSeries runs a short load and checks that /metrics served
// a series of every pattern, in Prometheus names.
func TestRunPrintsTheSeries(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-duration", "1s"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`# TYPE holdfast_breaker_state gauge`,
		`holdfast_breaker_state{holdfast_breaker_state="closed",holdfast_name="users"} 1`,
		`holdfast_breaker_trips_total{holdfast_name="pricing"}`,
		`# TYPE holdfast_dependency_duration_seconds histogram`,
		`holdfast_dependency_duration_seconds_count{error_type=`, // pricing fails: 503, or breaker_open
		`# TYPE holdfast_retry_calls_total counter`,
		`# TYPE holdfast_retry_budget_balance gauge`,
		`holdfast_cache_hits_total{holdfast_cache_tier="local",holdfast_name="items"}`,
		`holdfast_queue_items_total{holdfast_name="audit",holdfast_queue_result="accepted"}`,
		`holdfast_limit_calls_total{holdfast_limit_result="admitted",holdfast_name="gateway"}`,
		`holdfast_deadline_budget_seconds_count{holdfast_name="gateway"}`,
		`# TYPE http_client_request_duration_seconds histogram`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out.String())
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"-duration", "0s"}, false},
		{[]string{"extra"}, false},
		{[]string{"-serve", "-metrics", "127.0.0.1:0"}, true},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args)
		if (err == nil) != tt.ok {
			t.Errorf("parseFlags(%q) = %v, want ok %v", tt.args, err, tt.ok)
		}
	}
}
