package fanout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

type hedgeKey struct{}

type hedgeLog struct{ events []string }

func (l *hedgeLog) Hedged(ctx context.Context, call int, failed bool) {
	l.events = append(l.events, fmt.Sprintf("call %d failed=%v ctx=%v", call, failed, ctx.Value(hedgeKey{})))
}

func TestHedgeObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &hedgeLog{}
		ctx := context.WithValue(context.Background(), hedgeKey{}, "caller")
		var calls atomic.Int32
		v, err := Hedge(ctx, func(ctx context.Context) (int, error) {
			switch n := calls.Add(1); n {
			case 1: // slow: the delay starts call 2
				select {
				case <-time.After(time.Hour):
				case <-ctx.Done():
				}
				return 0, ctx.Err()
			case 2: // fails: call 3 starts at once
				return 0, errors.New("boom")
			default:
				return int(n), nil
			}
		}, time.Second, WithHedgeObserver(log), WithMaxAttempts(3))
		if err != nil || v != 3 {
			t.Fatalf("Hedge = %d, %v, want 3, nil", v, err)
		}
		want := "call 2 failed=false ctx=caller; call 3 failed=true ctx=caller"
		if got := strings.Join(log.events, "; "); got != want {
			t.Errorf("observed %q, want %q", got, want)
		}
	})
}

func TestHedgeObserverFirstCallWins(t *testing.T) {
	log := &hedgeLog{}
	_, err := Hedge(context.Background(), func(context.Context) (int, error) { return 1, nil }, time.Hour, WithHedgeObserver(log))
	if err != nil {
		t.Fatal(err)
	}
	if len(log.events) != 0 {
		t.Errorf("observed %q, want nothing", log.events)
	}
}

func TestWithHedgeObserverNil(t *testing.T) {
	_, err := Hedge(context.Background(), func(context.Context) (int, error) { return 1, nil }, 0, WithHedgeObserver(nil))
	if err == nil || !strings.Contains(err.Error(), "WithHedgeObserver") {
		t.Errorf("Hedge(WithHedgeObserver(nil)) = %v, want an error naming WithHedgeObserver", err)
	}
}
