package breaker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type ctxKey struct{}

// observerLog is an Observer that writes down what it sees.
type observerLog struct {
	mu     sync.Mutex
	events []string
}

func (l *observerLog) Recorded(o Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, o.String())
}

func (l *observerLog) Rejected(ctx context.Context, err *OpenError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf("rejected %v ctx=%v", err.State, ctx.Value(ctxKey{})))
}

func (l *observerLog) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.Join(l.events, ", ")
	l.events = nil
	return s
}

func TestObserverTripAndRecover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &observerLog{}
		b, err := New(WithObserver(log), WithConsecutiveFailures(2), WithOpenDuration(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.WithValue(context.Background(), ctxKey{}, "call")
		boom := errors.New("boom")
		steps := []struct {
			name string
			err  error
			want string
		}{
			{"success", nil, "success"},
			{"ignored", context.Canceled, "ignored"},
			{"failure", boom, "failure"},
			{"trip", boom, "failure"},
			{"rejected", nil, "rejected open ctx=call"},
		}
		for _, st := range steps {
			_ = b.Do(ctx, func(context.Context) error { return st.err })
			if got := log.take(); got != st.want {
				t.Errorf("%s: observed %q, want %q", st.name, got, st.want)
			}
		}
		if _, err := b.Allow(); !errors.Is(err, ErrOpen) {
			t.Fatalf("Allow() = %v, want ErrOpen", err)
		}
		if got, want := log.take(), "rejected open ctx=<nil>"; got != want {
			t.Errorf("Allow rejected: observed %q, want %q", got, want)
		}
		time.Sleep(time.Second)
		done, err := b.Allow()
		if err != nil {
			t.Fatalf("Allow() after the open duration = %v, want a probe", err)
		}
		if _, err := b.Allow(); !errors.Is(err, ErrOpen) {
			t.Fatalf("second probe: Allow() = %v, want ErrOpen", err)
		}
		done(nil)
		if got, want := log.take(), "rejected half-open ctx=<nil>, success"; got != want {
			t.Errorf("probe: observed %q, want %q", got, want)
		}
		if s := b.State(); s != StateClosed {
			t.Errorf("State() = %v, want closed", s)
		}
		_ = b.Do(ctx, func(context.Context) error { return nil })
		if got, want := log.take(), "success"; got != want {
			t.Errorf("closed again: observed %q, want %q", got, want)
		}
	})
}

func TestObserverPanicIsFailure(t *testing.T) {
	log := &observerLog{}
	b, err := New(WithObserver(log))
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = b.Do(context.Background(), func(context.Context) error { panic("boom") })
	}()
	if got, want := log.take(), "failure"; got != want {
		t.Errorf("observed %q, want %q", got, want)
	}
}

func TestObserverDisabled(t *testing.T) {
	log := &observerLog{}
	b, err := New(WithObserver(log))
	if err != nil {
		t.Fatal(err)
	}
	b.Disable()
	_ = b.Do(context.Background(), func(context.Context) error { return errors.New("boom") })
	if got, want := log.take(), "failure"; got != want {
		t.Errorf("observed %q, want %q", got, want)
	}
}

type obsRoundTrip func(*http.Request) (*http.Response, error)

func (f obsRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestObserverTransport(t *testing.T) {
	log := &observerLog{}
	b, err := New(WithObserver(log), WithConsecutiveFailures(1))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Transport(obsRoundTrip(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusBadGateway, Body: http.NoBody}, nil
	}), b)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), ctxKey{}, "req")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://upstream.invalid/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := rt.RoundTrip(req); !errors.Is(err, ErrOpen) {
		t.Fatalf("RoundTrip = %v, want ErrOpen", err)
	}
	if got, want := log.take(), "failure, rejected open ctx=req"; got != want {
		t.Errorf("observed %q, want %q", got, want)
	}
}

func TestWithObserverNil(t *testing.T) {
	_, err := New(WithObserver(nil))
	if err == nil || !strings.Contains(err.Error(), "WithObserver") {
		t.Errorf("New(WithObserver(nil)) = %v, want an error naming WithObserver", err)
	}
}
