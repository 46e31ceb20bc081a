package retry

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Budget defaults, those of Finagle's RetryBudget.
const (
	DefaultBudgetTTL        = 10 * time.Second
	DefaultMinRetriesPerSec = 10
	DefaultPercentCanRetry  = 0.2
)

const (
	budgetSlices = 10   // the window is kept in this many slices of ttl/10
	budgetScale  = 1000 // tokens per deposit, so that fractions stay integers

	// minPercentCanRetry bounds the cost of a retry to 1e9 tokens, so that
	// the largest reserve (1e6 retries a second over 60s) is 6e16 tokens,
	// far from overflowing an int64.
	minPercentCanRetry = 1e-6
)

// Budget is a retry budget shared by many calls and goroutines, with the
// semantics of Finagle's RetryBudget (and close to gRPC's retry throttling):
// every call deposits a fraction of a token (the percentCanRetry of
// [WithPercentCanRetry]), every retry withdraws a whole one, and a retry is
// refused when the balance is short. Deposits and withdrawals expire after
// a window (the ttl of [WithTTL], counted in slices of ttl/10); a reserve
// always allows minRetriesPerSec retries a second on average over the window
// ([WithMinRetriesPerSec]), so that a client making few calls can still
// retry. In an outage, retries then add at most percentCanRetry to the load
// instead of multiplying it by the number of attempts.
//
// Give it to calls with [WithBudget]; [Budget.Deposit] and
// [Budget.TryWithdraw] serve callers with their own retry loop.
//
// A Budget is safe for concurrent use: a short critical section under one
// mutex around a fixed ring of slices, with no allocation. The zero Budget is
// valid and uses the defaults (ttl 10s, 10 retries a second, 20% of calls).
type Budget struct {
	mu sync.Mutex

	// Set once (by NewBudget, or by the first use of a zero Budget).
	start   time.Time
	slice   time.Duration
	deposit int64 // tokens a call deposits
	cost    int64 // tokens a retry withdraws; > 0 once set
	reserve int64 // tokens always there on top of the window's sum

	last  int64 // the latest slice seen, so that time never goes back
	slots [budgetSlices]budgetSlot

	deposits, withdrawals, rejected uint64

	clock Clock // nil: package time
}

type budgetSlot struct {
	epoch int64 // which slice since start the sum belongs to
	sum   int64
}

// BudgetStats is a snapshot of a [Budget].
type BudgetStats struct {
	// Balance is how many retries the budget would allow now.
	Balance int
	// Deposits counts calls that deposited (every call made with the budget).
	Deposits uint64
	// Withdrawals counts retries the budget allowed.
	Withdrawals uint64
	// Rejected counts retries the budget refused.
	Rejected uint64
}

// A BudgetOption configures [NewBudget].
type BudgetOption interface {
	applyBudget(*budgetConfig) error
}

type budgetOptionFunc func(*budgetConfig) error

func (f budgetOptionFunc) applyBudget(c *budgetConfig) error { return f(c) }

type budgetConfig struct {
	ttl          time.Duration
	minPerSec    int
	percentRetry float64
	clock        Clock
}

// WithTTL sets how long deposits and withdrawals count (default
// [DefaultBudgetTTL]); between 1s and 60s, as in Finagle.
func WithTTL(ttl time.Duration) BudgetOption {
	return budgetOptionFunc(func(c *budgetConfig) error {
		if ttl < time.Second || ttl > time.Minute {
			return fmt.Errorf("retry: WithTTL: ttl must be between 1s and 1m, got %v", ttl)
		}
		c.ttl = ttl
		return nil
	})
}

// WithMinRetriesPerSec sets the reserve: how many retries a second are
// allowed even without deposits (default [DefaultMinRetriesPerSec]); n must
// be >= 0.
func WithMinRetriesPerSec(n int) BudgetOption {
	return budgetOptionFunc(func(c *budgetConfig) error {
		if n < 0 || n > 1_000_000 {
			return fmt.Errorf("retry: WithMinRetriesPerSec: must be between 0 and 1000000, got %d", n)
		}
		c.minPerSec = n
		return nil
	})
}

// WithPercentCanRetry sets how many retries a call earns, as a fraction of a
// retry: 0.2 (the default, [DefaultPercentCanRetry]) lets retries add 20% to
// the calls. As in Finagle, p is a fraction despite the name, up to 1000.
// With 0, only the reserve of [WithMinRetriesPerSec] allows retries, and
// with both 0 the budget allows none. Otherwise p must be at least 1e-6 (a
// retry per million calls): the cost of a retry in tokens, 1000/p, must stay
// small enough for the reserve's arithmetic not to overflow.
func WithPercentCanRetry(p float64) BudgetOption {
	return budgetOptionFunc(func(c *budgetConfig) error {
		if !(p == 0 || p >= minPercentCanRetry && p <= 1000) {
			return fmt.Errorf("retry: WithPercentCanRetry: must be 0 or between 1e-06 and 1000, got %v", p)
		}
		c.percentRetry = p
		return nil
	})
}

// NewBudget returns a Budget with the options applied, or the first option's
// error.
func NewBudget(opts ...BudgetOption) (*Budget, error) {
	c := budgetConfig{ttl: DefaultBudgetTTL, minPerSec: DefaultMinRetriesPerSec, percentRetry: DefaultPercentCanRetry}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("retry: NewBudget: nil BudgetOption")
		}
		if err := o.applyBudget(&c); err != nil {
			return nil, err
		}
	}
	b := &Budget{clock: c.clock}
	b.init(c, b.now())
	return b, nil
}

// init sets the token arithmetic as Finagle does: a deposit is 1000 tokens, a
// retry costs 1000/percentCanRetry (1 when only the reserve pays), and the
// reserve holds minRetriesPerSec*ttl retries.
func (b *Budget) init(c budgetConfig, now time.Time) {
	b.start = now
	b.slice = c.ttl / budgetSlices
	b.cost = 1
	if c.percentRetry > 0 {
		b.deposit = budgetScale
		b.cost = max(1, int64(budgetScale/c.percentRetry))
	}
	b.reserve = int64(math.Round(float64(c.minPerSec) * c.ttl.Seconds() * float64(b.cost)))
	for i := range b.slots {
		b.slots[i].epoch = math.MinInt64
	}
}

// Deposit records a call: it adds the call's share of a retry.
// It is shorthand for a deposit at time.Now() (or the [WithClock] clock's
// time).
func (b *Budget) Deposit() { b.depositAt(b.now()) }

// TryWithdraw takes one retry from the budget and reports whether there was
// one. It is shorthand for a withdrawal at time.Now() (or the [WithClock]
// clock's time).
func (b *Budget) TryWithdraw() bool { return b.withdrawAt(b.now()) }

// Stats returns a snapshot of the budget at time.Now() (or the [WithClock]
// clock's time).
func (b *Budget) Stats() BudgetStats { return b.statsAt(b.now()) }

func (b *Budget) depositAt(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.advance(now)
	b.add(cur, b.deposit)
	b.deposits++
}

func (b *Budget) withdrawAt(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.advance(now)
	if b.balance(cur) < b.cost {
		b.rejected++
		return false
	}
	b.add(cur, -b.cost)
	b.withdrawals++
	return true
}

func (b *Budget) statsAt(now time.Time) BudgetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.advance(now)
	return BudgetStats{
		Balance:     int(max(0, b.balance(cur)/b.cost)),
		Deposits:    b.deposits,
		Withdrawals: b.withdrawals,
		Rejected:    b.rejected,
	}
}

// advance returns the slice now falls in, never one before the latest seen.
// It initializes a zero Budget with the defaults. b.mu is held.
func (b *Budget) advance(now time.Time) int64 {
	if b.cost == 0 {
		b.init(budgetConfig{ttl: DefaultBudgetTTL, minPerSec: DefaultMinRetriesPerSec, percentRetry: DefaultPercentCanRetry}, now)
	}
	cur := int64(max(0, now.Sub(b.start)) / b.slice)
	b.last = max(b.last, cur)
	return b.last
}

// add adds tokens to the slice cur, clearing it first if it held an expired
// slice. b.mu is held.
func (b *Budget) add(cur, tokens int64) {
	s := &b.slots[cur%budgetSlices]
	if s.epoch != cur {
		*s = budgetSlot{epoch: cur}
	}
	s.sum += tokens
}

// balance returns the tokens available in slice cur: the reserve plus the
// sum of the slices of the window ending at cur. b.mu is held.
func (b *Budget) balance(cur int64) int64 {
	sum := b.reserve
	for _, s := range b.slots {
		if s.epoch > cur-budgetSlices && s.epoch <= cur {
			sum += s.sum
		}
	}
	return sum
}
