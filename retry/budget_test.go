package retry

import (
	"math"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func newTestBudget(t *testing.T, opts ...BudgetOption) *Budget {
	t.Helper()
	b, err := NewBudget(opts...)
	if err != nil {
		t.Fatalf("NewBudget() = %v", err)
	}
	return b
}

func TestBudgetDefaults(t *testing.T) {
	b := newTestBudget(t)
	now := b.start
	// 10 retries a second over 10s: a reserve of 100 retries.
	if got := b.statsAt(now).Balance; got != 100 {
		t.Fatalf("Balance = %d, want 100", got)
	}
	for i := range 100 {
		if !b.withdrawAt(now) {
			t.Fatalf("withdrawal %d refused, want allowed from the reserve", i+1)
		}
	}
	if b.withdrawAt(now) {
		t.Fatal("withdrawal 101 allowed, want refused")
	}
	// A call deposits 20% of a retry: 5 calls earn one.
	for range 4 {
		b.depositAt(now)
	}
	if b.withdrawAt(now) {
		t.Fatal("withdrawal after 4 deposits allowed, want refused")
	}
	b.depositAt(now)
	if !b.withdrawAt(now) {
		t.Fatal("withdrawal after 5 deposits refused, want allowed")
	}
	want := BudgetStats{Balance: 0, Deposits: 5, Withdrawals: 101, Rejected: 2}
	if got := b.statsAt(now); got != want {
		t.Errorf("statsAt() = %+v, want %+v", got, want)
	}
}

// TestBudgetExpiry checks that deposits count for the ttl and no longer, to
// the slice (ttl/10).
func TestBudgetExpiry(t *testing.T) {
	b := newTestBudget(t, WithMinRetriesPerSec(0), WithPercentCanRetry(1), WithTTL(10*time.Second))
	t0 := b.start
	for range 3 {
		b.depositAt(t0.Add(500 * time.Millisecond)) // slice 0
	}
	b.depositAt(t0.Add(time.Second)) // slice 1
	tests := []struct {
		at   time.Duration
		want int
	}{
		{0, 4},
		{9*time.Second + 999*time.Millisecond, 4},
		{10 * time.Second, 1},
		{11*time.Second - 1, 1},
		{11 * time.Second, 0},
	}
	for _, tt := range tests {
		if got := b.statsAt(t0.Add(tt.at)).Balance; got != tt.want {
			t.Errorf("Balance at %v = %d, want %d", tt.at, got, tt.want)
		}
	}
}

// TestBudgetReserve checks that the reserve allows minRetriesPerSec on
// average: withdrawals expire with the window and free the reserve again.
func TestBudgetReserve(t *testing.T) {
	b := newTestBudget(t, WithMinRetriesPerSec(1), WithPercentCanRetry(0), WithTTL(2*time.Second))
	t0 := b.start
	tests := []struct {
		at   time.Duration
		want bool
	}{
		{0, true},
		{100 * time.Millisecond, true},
		{time.Second, false},
		{2*time.Second - 1, false},
		{2 * time.Second, true}, // the withdrawal at 0 expired
		{2*time.Second + 100*time.Millisecond, true},
		{2*time.Second + 200*time.Millisecond, false},
	}
	for _, tt := range tests {
		if got := b.withdrawAt(t0.Add(tt.at)); got != tt.want {
			t.Errorf("withdrawAt(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	// Deposits earn nothing with percentCanRetry 0.
	for range 100 {
		b.depositAt(t0.Add(2*time.Second + 300*time.Millisecond))
	}
	if b.withdrawAt(t0.Add(2*time.Second + 300*time.Millisecond)) {
		t.Error("withdrawal allowed by deposits with percentCanRetry 0, want refused")
	}
}

func TestBudgetEmpty(t *testing.T) {
	b := newTestBudget(t, WithMinRetriesPerSec(0), WithPercentCanRetry(0))
	for i := range 1000 {
		b.depositAt(b.start.Add(time.Duration(i) * time.Millisecond))
		if b.withdrawAt(b.start.Add(time.Duration(i) * time.Millisecond)) {
			t.Fatal("withdrawal allowed by an empty budget, want refused")
		}
	}
}

// TestBudgetExtremes checks the token arithmetic at the ends of the options'
// ranges: the smallest ratio with the largest reserve and window must keep
// its reserve (no overflow) and make a retry cost a million calls.
func TestBudgetExtremes(t *testing.T) {
	b := newTestBudget(t, WithPercentCanRetry(1e-6), WithMinRetriesPerSec(1_000_000), WithTTL(time.Minute))
	if got, want := b.statsAt(b.start).Balance, 60_000_000; got != want {
		t.Errorf("Balance with a reserve of 1e6/s over 60s = %d, want %d", got, want)
	}
	b = newTestBudget(t, WithPercentCanRetry(1e-6), WithMinRetriesPerSec(0))
	for range 999_999 {
		b.depositAt(b.start)
	}
	if b.withdrawAt(b.start) {
		t.Error("withdrawal after 999999 deposits at 1e-6 allowed, want refused")
	}
	b.depositAt(b.start)
	if !b.withdrawAt(b.start) {
		t.Error("withdrawal after 1e6 deposits at 1e-6 refused, want allowed")
	}
}

func TestBudgetHighRatio(t *testing.T) {
	// percentCanRetry 3: a call earns three retries.
	b := newTestBudget(t, WithMinRetriesPerSec(0), WithPercentCanRetry(3))
	b.depositAt(b.start)
	if got := b.statsAt(b.start).Balance; got != 3 {
		t.Errorf("Balance = %d, want 3", got)
	}
}

// TestBudgetTimeGoesBack checks that a time before the latest seen counts as
// the latest, so that a late caller cannot clear newer slices.
func TestBudgetTimeGoesBack(t *testing.T) {
	b := newTestBudget(t, WithMinRetriesPerSec(0), WithPercentCanRetry(1))
	t0 := b.start
	b.depositAt(t0.Add(5 * time.Second))
	b.depositAt(t0.Add(time.Second))
	b.depositAt(t0.Add(-time.Hour))
	if got := b.statsAt(t0.Add(14*time.Second + 999*time.Millisecond)).Balance; got != 3 {
		t.Errorf("Balance = %d, want 3", got)
	}
	if got := b.statsAt(t0.Add(15 * time.Second)).Balance; got != 0 {
		t.Errorf("Balance = %d, want 0", got)
	}
}

func TestBudgetZeroValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b Budget
		if got := b.Stats().Balance; got != 100 {
			t.Errorf("Budget{}.Stats().Balance = %d, want 100", got)
		}
		if !b.TryWithdraw() {
			t.Error("Budget{}.TryWithdraw() = false, want true")
		}
	})
}

// TestBudgetClock runs the time.Now forms in fake time.
func TestBudgetClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestBudget(t, WithMinRetriesPerSec(0), WithPercentCanRetry(0.5), WithTTL(time.Second))
		b.Deposit()
		b.Deposit()
		if !b.TryWithdraw() {
			t.Fatal("TryWithdraw() after two deposits at 50% = false, want true")
		}
		if b.TryWithdraw() {
			t.Fatal("second TryWithdraw() = true, want false")
		}
		b.Deposit()
		b.Deposit()
		time.Sleep(time.Second)
		if b.TryWithdraw() {
			t.Error("TryWithdraw() after the ttl = true, want false: deposits expired")
		}
		want := BudgetStats{Deposits: 4, Withdrawals: 1, Rejected: 2}
		if got := b.Stats(); got != want {
			t.Errorf("Stats() = %+v, want %+v", got, want)
		}
	})
}

// TestBudgetConcurrent hammers one budget from many goroutines at one
// instant: the counts must add up and no more retries pass than the
// deposits paid for.
func TestBudgetConcurrent(t *testing.T) {
	const workers, perWorker = 8, 500
	b := newTestBudget(t, WithMinRetriesPerSec(0), WithPercentCanRetry(0.5))
	now := b.start.Add(time.Second)
	var wg sync.WaitGroup
	allowed := make([]int, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				b.depositAt(now)
				if i%2 == 0 && b.withdrawAt(now) {
					allowed[w]++
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, n := range allowed {
		total += n
	}
	st := b.statsAt(now)
	if st.Deposits != workers*perWorker {
		t.Errorf("Deposits = %d, want %d", st.Deposits, workers*perWorker)
	}
	if int(st.Withdrawals) != total || st.Withdrawals+st.Rejected != workers*perWorker/2 {
		t.Errorf("Withdrawals = %d, Rejected = %d, want %d allowed and %d in all", st.Withdrawals, st.Rejected, total, workers*perWorker/2)
	}
	// Each retry costs two deposits.
	if paid := int(st.Deposits) / 2; total > paid || st.Balance != paid-total {
		t.Errorf("allowed %d retries with balance %d, want at most %d and balance %d", total, st.Balance, paid, paid-total)
	}
	// What the balance shows can be withdrawn.
	for range st.Balance {
		if !b.withdrawAt(now) {
			t.Fatal("withdrawal refused with a positive balance")
		}
	}
}

func TestNewBudgetBadOptions(t *testing.T) {
	tests := []struct {
		opt  BudgetOption
		want string
	}{
		{WithTTL(0), "retry: WithTTL: ttl must be between 1s and 1m, got 0s"},
		{WithTTL(999 * time.Millisecond), "got 999ms"},
		{WithTTL(time.Minute + 1), "got 1m0.000000001s"},
		{WithMinRetriesPerSec(-1), "retry: WithMinRetriesPerSec: must be between 0 and 1000000, got -1"},
		{WithMinRetriesPerSec(1_000_001), "got 1000001"},
		{WithPercentCanRetry(-0.1), "retry: WithPercentCanRetry: must be 0 or between 1e-06 and 1000, got -0.1"},
		{WithPercentCanRetry(1000.5), "got 1000.5"},
		{WithPercentCanRetry(math.NaN()), "got NaN"},
		{WithPercentCanRetry(math.Inf(1)), "got +Inf"},
		{WithPercentCanRetry(1e-7), "got 1e-07"},    // a retry would cost 1e10 tokens
		{WithPercentCanRetry(1e-20), "got 1e-20"},   // 1000/p would not fit in an int64
		{WithPercentCanRetry(-1e-20), "got -1e-20"}, // negative however small

		{nil, "retry: NewBudget: nil BudgetOption"},
	}
	for _, tt := range tests {
		b, err := NewBudget(tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) || b != nil {
			t.Errorf("NewBudget(%v) = %v, %v, want nil, %q", tt.opt, b, err, tt.want)
		}
	}
}

// budgetModel is the reference arithmetic: every event with its slice, the
// balance the sum of those in the window.
type budgetModel struct {
	events            []budgetSlot
	reserve, cost, in int64
}

func (m *budgetModel) balance(cur int64) int64 {
	sum := m.reserve
	for _, e := range m.events {
		if e.epoch > cur-budgetSlices {
			sum += e.sum
		}
	}
	return sum
}

// FuzzBudget runs random sequences of deposits and withdrawals at random
// times against the reference model.
func FuzzBudget(f *testing.F) {
	f.Add(uint8(3), uint8(20), []byte{0, 1, 1, 0, 200, 1, 1, 3, 0})
	f.Add(uint8(0), uint8(50), []byte{0, 0, 0, 1, 1, 1, 255, 1})
	f.Fuzz(func(t *testing.T, minPerSec, percent uint8, ops []byte) {
		b, err := NewBudget(WithMinRetriesPerSec(int(minPerSec)), WithPercentCanRetry(float64(percent)/100), WithTTL(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		m := budgetModel{reserve: b.reserve, cost: b.cost, in: b.deposit}
		var at time.Duration
		for _, op := range ops {
			at += time.Duration(op>>1) * 10 * time.Millisecond
			cur := int64(at / b.slice)
			if op&1 == 0 {
				b.depositAt(b.start.Add(at))
				m.events = append(m.events, budgetSlot{cur, m.in})
				continue
			}
			want := m.balance(cur) >= m.cost
			if got := b.withdrawAt(b.start.Add(at)); got != want {
				t.Fatalf("withdrawAt(%v) = %v, want %v (model balance %d, cost %d)", at, got, want, m.balance(cur), m.cost)
			}
			if want {
				m.events = append(m.events, budgetSlot{cur, -m.cost})
			}
		}
		if got, want := b.statsAt(b.start.Add(at)).Balance, int(max(0, m.balance(int64(at/b.slice))/m.cost)); got != want {
			t.Fatalf("Balance = %d, want %d", got, want)
		}
	})
}
