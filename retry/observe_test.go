package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

type ctxKey struct{}

// observerLog is an Observer that writes down what it sees, and marks each
// attempt's context so that a test can check fn got it.
type observerLog struct {
	events []string
	ctxOK  []bool // per AttemptDone: the ctx was the one Attempt returned
}

func (r *observerLog) Attempt(ctx context.Context, attempt int, delay time.Duration) context.Context {
	r.events = append(r.events, fmt.Sprintf("attempt %d after %v", attempt, delay))
	return context.WithValue(ctx, ctxKey{}, attempt)
}

func (r *observerLog) AttemptDone(ctx context.Context, attempt int, err error) {
	r.events = append(r.events, fmt.Sprintf("done %d: %v", attempt, err))
	r.ctxOK = append(r.ctxOK, ctx.Value(ctxKey{}) == attempt)
}

func (r *observerLog) Done(ctx context.Context, attempts int, err error) {
	reason := "<nil>"
	var e *Error
	if errors.As(err, &e) {
		reason = fmt.Sprint(e.Reason)
	}
	r.events = append(r.events, fmt.Sprintf("call %d: %s", attempts, reason))
}

func TestObserverSeesEachAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &observerLog{}
		p, err := New(WithObserver(rec), WithStrategy(Constant(time.Second)), WithMaxAttempts(3))
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		err = p.Do(context.Background(), func(ctx context.Context) error {
			calls++
			if got := ctx.Value(ctxKey{}); got != calls {
				t.Errorf("attempt %d got ctx of attempt %v", calls, got)
			}
			if calls < 3 {
				return errors.New("boom")
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Do = %v, want nil", err)
		}
		want := []string{
			"attempt 1 after 0s", "done 1: boom",
			"attempt 2 after 1s", "done 2: boom",
			"attempt 3 after 1s", "done 3: <nil>",
			"call 3: <nil>",
		}
		checkEvents(t, rec, want)
	})
}

func TestObserverSeesWhyACallStopped(t *testing.T) {
	boom := errors.New("boom")
	budget, err := NewBudget(WithMinRetriesPerSec(0), WithPercentCanRetry(0))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"attempts", []Option{WithMaxAttempts(2), WithStrategy(Constant(time.Nanosecond))}, "call 2: " + ErrAttemptsExhausted.Error()},
		{"budget", []Option{WithBudget(budget), WithStrategy(Constant(time.Nanosecond))}, "call 1: " + ErrBudgetExhausted.Error()},
		{"permanent", []Option{WithRetryIf(func(error) bool { return false })}, "call 1: <nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &observerLog{}
			p, err := New(append(tt.opts, WithObserver(rec))...)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Do(context.Background(), func(context.Context) error { return boom })
			if !errors.Is(err, boom) {
				t.Fatalf("Do = %v, want %v", err, boom)
			}
			if got := rec.events[len(rec.events)-1]; got != tt.want {
				t.Errorf("last event = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestObserverCanceledDuringDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &observerLog{}
		p, err := New(WithObserver(rec), WithStrategy(Constant(time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		go func() { time.Sleep(30 * time.Second); cancel() }()
		err = p.Do(ctx, func(context.Context) error { return errors.New("boom") })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Do = %v, want context.Canceled", err)
		}
		want := []string{"attempt 1 after 0s", "done 1: boom", "call 1: " + context.Canceled.Error()}
		checkEvents(t, rec, want)
	})
}

func TestWithObserverNil(t *testing.T) {
	_, err := New(WithObserver(nil))
	if err == nil || !strings.Contains(err.Error(), "WithObserver") {
		t.Errorf("New(WithObserver(nil)) = %v, want an error naming WithObserver", err)
	}
}

type obsRoundTrip func(*http.Request) (*http.Response, error)

func (f obsRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestObserverTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &observerLog{}
		p, err := New(WithObserver(rec), WithStrategy(Constant(time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		base := obsRoundTrip(func(r *http.Request) (*http.Response, error) {
			sent++
			if got := r.Context().Value(ctxKey{}); got != sent {
				t.Errorf("attempt %d sent with ctx of attempt %v", sent, got)
			}
			code := http.StatusServiceUnavailable
			if sent == 2 {
				code = http.StatusOK
			}
			return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		})
		rt, err := Transport(base, p)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, "http://upstream.invalid/", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status = %d, want 200", resp.StatusCode)
		}
		if len(rec.events) != 5 || rec.events[0] != "attempt 1 after 0s" || !strings.HasPrefix(rec.events[1], "done 1: retry: ") ||
			rec.events[2] != "attempt 2 after 1s" || rec.events[3] != "done 2: <nil>" || rec.events[4] != "call 2: <nil>" {
			t.Errorf("events = %q", rec.events)
		}
	})
}

func TestObserverTransportExhausted(t *testing.T) {
	rec := &observerLog{}
	p, err := New(WithObserver(rec), WithStrategy(Constant(time.Nanosecond)), WithMaxAttempts(2))
	if err != nil {
		t.Fatal(err)
	}
	base := obsRoundTrip(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})
	rt, err := Transport(base, p)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://upstream.invalid/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := rec.events[len(rec.events)-1], "call 2: <nil>"; got != want {
		t.Errorf("last event = %q, want %q (the last response is returned)", got, want)
	}
}

func checkEvents(t *testing.T, rec *observerLog, want []string) {
	t.Helper()
	if fmt.Sprint(rec.events) != fmt.Sprint(want) {
		t.Errorf("events = %q, want %q", rec.events, want)
	}
	for i, ok := range rec.ctxOK {
		if !ok {
			t.Errorf("AttemptDone %d did not get the attempt's ctx", i+1)
		}
	}
}
