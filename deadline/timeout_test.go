package deadline

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

func TestWithTimeoutLayers(t *testing.T) {
	tests := []struct {
		name          string
		request, call time.Duration
		op            time.Duration
		wantLayer     string
		wantTimeout   time.Duration
		wantAfter     time.Duration
	}{
		{"call fires first", time.Second, 300 * time.Millisecond, 5 * time.Second, "call", 300 * time.Millisecond, 300 * time.Millisecond},
		{"request fires first", 100 * time.Millisecond, 300 * time.Millisecond, 5 * time.Second, "request", 100 * time.Millisecond, 100 * time.Millisecond},
		{"operation fires first", time.Second, 300 * time.Millisecond, 50 * time.Millisecond, "operation", 50 * time.Millisecond, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				req, cancelReq := WithTimeout(context.Background(), "request", tt.request)
				defer cancelReq()
				call, cancelCall := WithTimeout(req, "call", tt.call)
				defer cancelCall()
				op, cancelOp := WithTimeout(call, "operation", tt.op)
				defer cancelOp()
				<-op.Done()
				if got := time.Since(start); got != tt.wantAfter {
					t.Errorf("operation ctx done after %v, want %v", got, tt.wantAfter)
				}
				if op.Err() != context.DeadlineExceeded {
					t.Errorf("op.Err() = %v, want DeadlineExceeded", op.Err())
				}
				cause := context.Cause(op)
				if !errors.Is(cause, context.DeadlineExceeded) {
					t.Errorf("Cause(op) = %v, does not match DeadlineExceeded", cause)
				}
				if layer, ok := Layer(cause); layer != tt.wantLayer || !ok {
					t.Errorf("Layer(Cause(op)) = %q, %v, want %q, true", layer, ok, tt.wantLayer)
				}
				var te *TimeoutError
				if !errors.As(cause, &te) || te.Timeout != tt.wantTimeout {
					t.Errorf("Cause(op) = %#v, want a *TimeoutError with Timeout %v", cause, tt.wantTimeout)
				}
			})
		})
	}
}

func TestWithTimeoutCancelled(t *testing.T) {
	ctx, cancel := WithTimeout(context.Background(), "call", time.Hour)
	cancel()
	if _, ok := Layer(context.Cause(ctx)); ok || ctx.Err() != context.Canceled {
		t.Errorf("cancelled named ctx: Err %v, Cause %v, want Canceled and no layer", ctx.Err(), context.Cause(ctx))
	}
}

func TestLayer(t *testing.T) {
	te := &TimeoutError{Layer: "db", Timeout: time.Second}
	tests := []struct {
		err    error
		want   string
		wantOK bool
	}{
		{nil, "", false},
		{context.DeadlineExceeded, "", false},
		{te, "db", true},
		{fmt.Errorf("query: %w", te), "db", true},
		{&TimeoutError{}, "", true},
	}
	for _, tt := range tests {
		if got, ok := Layer(tt.err); got != tt.want || ok != tt.wantOK {
			t.Errorf("Layer(%v) = %q, %v, want %q, %v", tt.err, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestTimeoutErrorString(t *testing.T) {
	err := &TimeoutError{Layer: "db", Timeout: 200 * time.Millisecond}
	want := "deadline: db timeout (200ms) exceeded"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
