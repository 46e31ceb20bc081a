package holdfastotel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/queue"
	"github.com/holdfast-go/holdfast/retry"
	"go.opentelemetry.io/otel/codes"
)

func TestDependencyRED(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		dep, err := h.in.Dependency("inventory")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err = dep.Do(ctx, func(context.Context) error { time.Sleep(250 * time.Millisecond); return nil })
		if err != nil {
			t.Fatal(err)
		}
		v, err := Call(ctx, dep, func(context.Context) (int, error) { return 0, limit.ErrLimited })
		if v != 0 || !errors.Is(err, limit.ErrLimited) {
			t.Fatalf("Call = %d, %v, want 0, ErrLimited", v, err)
		}
		func() {
			defer func() { _ = recover() }()
			_ = dep.Do(ctx, func(context.Context) error { panic("boom") })
		}()
		want(t, h.collect(t), map[string]string{
			"holdfast.dependency.duration{holdfast.name=inventory}":                    "1/0.25",
			"holdfast.dependency.duration{error.type=limited,holdfast.name=inventory}": "1/0",
			"holdfast.dependency.duration{error.type=panic,holdfast.name=inventory}":   "1/0",
			"holdfast.deadline.remaining{holdfast.name=inventory}":                     "3/5.5", // 2s, then 1.75s twice
		})
		spans := h.spans.Ended()
		if len(spans) != 3 {
			t.Fatalf("spans = %d, want 3", len(spans))
		}
		if !hasAttr(spans[0].Attributes(), DeadlineRemainingKey.Float64(2)) {
			t.Errorf("span attributes %v, want %s=2", spans[0].Attributes(), DeadlineRemainingKey)
		}
		if spans[1].Status().Code != codes.Error || spans[1].Status().Description != "limited" {
			t.Errorf("failed span status = %v, want Error \"limited\"", spans[1].Status())
		}
	})
}

func TestDeadlineMiddleware(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		mw, err := deadline.Middleware()
		if err != nil {
			t.Fatal(err)
		}
		record, err := h.in.DeadlineMiddleware("gateway")
		if err != nil {
			t.Fatal(err)
		}
		handler := mw(record(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set(deadline.HeaderTimeout, "1500")
		handler.ServeHTTP(httptest.NewRecorder(), req)
		want(t, h.collect(t), map[string]string{"holdfast.deadline.budget{holdfast.name=gateway}": "1/1.5"})
	})
}

func TestErrorType(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{boom, ErrorTypeOther},
		{context.Canceled, ErrorTypeCanceled},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), ErrorTypeTimeout},
		{&breaker.OpenError{Name: "x", State: breaker.StateOpen}, ErrorTypeBreakerOpen},
		{limit.ErrLimited, ErrorTypeLimited},
		{queue.ErrFull, ErrorTypeQueueFull},
		{&retry.Error{Attempts: 1, Err: context.Canceled, Reason: retry.ErrBudgetExhausted}, ErrorTypeBudgetExhausted},
		{&retry.Error{Attempts: 3, Err: &retry.StatusError{StatusCode: 503}, Reason: retry.ErrAttemptsExhausted}, "503"},
		{&retry.StatusError{StatusCode: 999}, ErrorTypeOther},
		{deadline.ErrInsufficientBudget, ErrorTypeInsufficientBudget},
		{cache.ErrNotFound, ErrorTypeNotFound},
	}
	for _, tt := range tests {
		if got := ErrorType(tt.err); got != tt.want {
			t.Errorf("ErrorType(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestErrorTypeAllocs: ErrorType of an error whose type is one of the
// constants allocates nothing, so that recording a failure does not.
func TestErrorTypeAllocs(t *testing.T) {
	tests := []error{
		errors.New("connection reset"),
		context.Canceled,
		limit.ErrLimited,
		&retry.Error{Attempts: 3, Err: errors.New("down"), Reason: retry.ErrAttemptsExhausted},
	}
	for _, err := range tests {
		if n := testing.AllocsPerRun(100, func() { _ = ErrorType(err) }); n != 0 {
			t.Errorf("ErrorType(%v) allocs = %v, want 0", err, n)
		}
	}
}

func TestNames(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name string
		ok   bool
	}{
		{"payments", true},
		{"payments-v2.eu_west", true},
		{"", false},
		{"https://payments.example.com/v1", false},
		{"tenant 42", false},
		{string(make([]byte, MaxNameLen+1)), false},
	}
	for _, tt := range tests {
		_, err := h.in.Dependency(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("Dependency(%q) error = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	if _, err := h.in.ObservePool("p", nil); err == nil {
		t.Error("ObservePool with a nil stats func = nil error, want one")
	}
	if _, err := New(nil); err == nil {
		t.Error("New(nil) = nil error, want one")
	}
	if _, err := New(WithMeterProvider(nil)); err == nil {
		t.Error("New(WithMeterProvider(nil)) = nil error, want one")
	}
}
