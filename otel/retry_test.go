package holdfastotel

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/retry"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// TestRetriedCall: a dependency call through a policy that fails twice,
// then succeeds: one client span with three attempt spans under it, and
// the metrics of one call of three attempts.
func TestRetriedCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		dep, err := h.in.Dependency("payments")
		if err != nil {
			t.Fatal(err)
		}
		obs, err := h.in.RetryObserver("payments")
		if err != nil {
			t.Fatal(err)
		}
		p, err := retry.New(retry.WithObserver(obs), retry.WithStrategy(retry.Constant(100*time.Millisecond)))
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		err = dep.Do(context.Background(), func(ctx context.Context) error {
			return p.Do(ctx, func(context.Context) error {
				if calls++; calls < 3 {
					return errors.New("boom")
				}
				return nil
			})
		})
		if err != nil {
			t.Fatalf("Do = %v, want nil", err)
		}

		want(t, h.collect(t), map[string]string{
			"holdfast.retry.calls{holdfast.name=payments,holdfast.retry.result=success}": "1",
			"holdfast.retry.attempts{holdfast.name=payments}":                            "3",
			"holdfast.retry.retries{holdfast.name=payments}":                             "2",
			"holdfast.retry.delay{holdfast.name=payments}":                               "2/0.2",
			"holdfast.dependency.duration{holdfast.name=payments}":                       "1/0.2",
		})

		spans := h.spans.Ended()
		if len(spans) != 4 {
			t.Fatalf("spans = %d, want 4 (3 attempts and the call)", len(spans))
		}
		call := spans[3]
		if call.Name() != "payments" || call.SpanKind() != trace.SpanKindClient {
			t.Errorf("call span = %q %v, want payments, client", call.Name(), call.SpanKind())
		}
		for i, s := range spans[:3] {
			n := i + 1
			if s.Name() != "payments attempt" || s.Parent().SpanID() != call.SpanContext().SpanID() {
				t.Errorf("attempt %d: span %q under %v, want payments attempt under the call", n, s.Name(), s.Parent().SpanID())
			}
			if !hasAttr(s.Attributes(), RetryAttemptKey.Int(n)) {
				t.Errorf("attempt %d: attributes %v lack the attempt number", n, s.Attributes())
			}
			failed := hasAttr(s.Attributes(), attribute.String("error.type", ErrorTypeOther))
			if failed != (n < 3) {
				t.Errorf("attempt %d: error.type set = %v, want %v", n, failed, n < 3)
			}
		}
		if !hasAttr(spans[1].Attributes(), RetryDelayKey.Float64(0.1)) {
			t.Errorf("attempt 2: attributes %v lack the delay 0.1", spans[1].Attributes())
		}
	})
}

func TestRetryBudgetRefusal(t *testing.T) {
	h := newHarness(t)
	budget, err := retry.NewBudget(retry.WithMinRetriesPerSec(0), retry.WithPercentCanRetry(0))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := h.in.ObserveRetryBudget("payments", budget.Stats)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	dep, _ := h.in.Dependency("payments")
	obs, _ := h.in.RetryObserver("payments")
	p, err := retry.New(retry.WithObserver(obs), retry.WithBudget(budget))
	if err != nil {
		t.Fatal(err)
	}
	err = dep.Do(context.Background(), func(ctx context.Context) error {
		return p.Do(ctx, func(context.Context) error { return errors.New("boom") })
	})
	if !errors.Is(err, retry.ErrBudgetExhausted) {
		t.Fatalf("Do = %v, want ErrBudgetExhausted", err)
	}
	got := h.collect(t)
	want(t, got, map[string]string{
		"holdfast.retry.calls{holdfast.name=payments,holdfast.retry.result=budget_exhausted}": "1",
		"holdfast.retry.budget.rejected{holdfast.name=payments}":                              "1",
		"holdfast.retry.budget.deposits{holdfast.name=payments}":                              "1",
		"holdfast.retry.budget.withdrawals{holdfast.name=payments}":                           "0",
	})
	if c := histCount(got["holdfast.dependency.duration{error.type=retry_budget,holdfast.name=payments}"]); c != "1" {
		t.Errorf("dependency calls failed with retry_budget = %q, want 1", c)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHTTPRetryResendCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		obs, err := h.in.HTTPRetryObserver("upstream")
		if err != nil {
			t.Fatal(err)
		}
		p, err := retry.New(retry.WithObserver(obs), retry.WithStrategy(retry.Constant(time.Millisecond)))
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		rt, err := retry.Transport(roundTrip(func(r *http.Request) (*http.Response, error) {
			sent++
			if !trace.SpanFromContext(r.Context()).SpanContext().IsValid() {
				t.Errorf("attempt %d sent without its span", sent)
			}
			code := http.StatusServiceUnavailable
			if sent == 2 {
				code = http.StatusOK
			}
			return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		}), p)
		if err != nil {
			t.Fatal(err)
		}
		ctx, call := h.tp.Tracer("test").Start(context.Background(), "GET")
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://upstream.invalid/", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		call.End()
		spans := h.spans.Ended()
		if len(spans) != 3 {
			t.Fatalf("spans = %d, want 3 (2 attempts and the call)", len(spans))
		}
		if hasResend(spans[0]) {
			t.Errorf("first attempt carries http.request.resend_count: %v", spans[0].Attributes())
		}
		if !hasAttr(spans[1].Attributes(), semconv.HTTPRequestResendCount(1)) {
			t.Errorf("second attempt: attributes %v, want http.request.resend_count=1", spans[1].Attributes())
		}
		if !hasAttr(spans[0].Attributes(), attribute.String("error.type", "503")) {
			t.Errorf("first attempt: attributes %v, want error.type=503", spans[0].Attributes())
		}
	})
}

func hasResend(s sdktrace.ReadOnlySpan) bool {
	for _, kv := range s.Attributes() {
		if kv.Key == semconv.HTTPRequestResendCountKey {
			return true
		}
	}
	return false
}

func TestRetryResult(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		err  error
		want string
	}{
		{nil, "success"},
		{boom, "not_retryable"},
		{&retry.Error{Attempts: 3, Err: boom, Reason: retry.ErrAttemptsExhausted}, "attempts_exhausted"},
		{&retry.Error{Attempts: 1, Err: boom, Reason: retry.ErrBudgetExhausted}, "budget_exhausted"},
		{&retry.Error{Attempts: 1, Err: boom, Reason: retry.ErrOutOfTime}, "out_of_time"},
		{&retry.Error{Attempts: 1, Err: boom, Reason: retry.ErrBackOffStop}, "backoff_stop"},
		{&retry.Error{Attempts: 1, Err: boom, Reason: context.Canceled}, "canceled"},
		{&retry.Error{Attempts: 1, Err: boom}, "not_retryable"},
	}
	for _, tt := range tests {
		if got := RetryResult(tt.err); got != tt.want {
			t.Errorf("RetryResult(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestNoAttemptSpansWithoutACallSpan: with no recording span in the
// caller's ctx, attempts get no span, and the caller's ctx is untouched.
func TestNoAttemptSpansWithoutACallSpan(t *testing.T) {
	h := newHarness(t)
	obs, _ := h.in.RetryObserver("payments")
	p, err := retry.New(retry.WithObserver(obs))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = p.Do(ctx, func(actx context.Context) error {
		if actx != ctx {
			t.Error("the attempt got a new ctx without a call span")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.spans.Ended()); n != 0 {
		t.Errorf("spans = %d, want 0", n)
	}
	want(t, h.collect(t), map[string]string{"holdfast.retry.calls{holdfast.name=payments,holdfast.retry.result=success}": "1"})
}

// TestRetryResultAllocs: reading why a call stopped allocates nothing, so
// that the observer's Done does not, whatever the call's outcome.
func TestRetryResultAllocs(t *testing.T) {
	tests := []error{
		nil,
		errors.New("boom"),
		&retry.Error{Attempts: 3, Err: errors.New("down"), Reason: retry.ErrAttemptsExhausted},
	}
	for _, err := range tests {
		if n := testing.AllocsPerRun(100, func() { _ = retryResult(err) }); n != 0 {
			t.Errorf("retryResult(%v) allocs = %v, want 0", err, n)
		}
	}
}
