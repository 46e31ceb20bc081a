package holdfastotel

import (
	"context"
	"errors"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/queue"
	"github.com/holdfast-go/holdfast/retry"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Attributes of the instruments read from Stats.
const (
	// CacheTierKey is the tier that answered a hit: "local" or "remote".
	CacheTierKey = attribute.Key("holdfast.cache.tier")
	// CacheErrorKey is the kind of a cache's remote error: "store",
	// "decode" or "encode".
	CacheErrorKey = attribute.Key("holdfast.cache.error")
	// CacheReasonKey is why a local-tier entry was removed: "evicted",
	// "expired", "replaced" or "deleted".
	CacheReasonKey = attribute.Key("holdfast.cache.reason")
	// QueueResultKey is what became of a pool's items: "accepted",
	// "handled", "failed", "dropped", "rejected" or "returned".
	QueueResultKey = attribute.Key("holdfast.queue.result")
	// LimitResultKey is what became of a limiter's calls: "admitted",
	// "rejected" or "canceled".
	LimitResultKey = attribute.Key("holdfast.limit.result")
)

// The Observe methods register a callback that reads an object's Stats
// when the MeterProvider collects: the counts cost nothing per call.
// Unregister the returned registration when the object is gone.

// ObserveBreaker reports b's state, trips and rejections, under b's name
// ([breaker.WithName]; [Instrumentation.BreakerOptions] sets it).
func (in *Instrumentation) ObserveBreaker(b *breaker.Breaker) (metric.Registration, error) {
	if b == nil {
		return nil, errors.New("holdfastotel: ObserveBreaker: nil Breaker")
	}
	name := b.Name()
	if err := checkName("ObserveBreaker", name); err != nil {
		return nil, err
	}
	all := newAttrs(name)
	var states [len(breakerStates)]attrs
	for i, s := range breakerStates {
		states[i] = newAttrs(name, BreakerStateKey.String(s.String()))
	}
	i := &in.inst
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := b.Stats()
		for k, s := range breakerStates {
			v := int64(0)
			if s == st.State {
				v = 1
			}
			o.ObserveInt64(i.breakerState, v, states[k].obs...)
		}
		o.ObserveInt64(i.breakerTrips, int64(st.Trips), all.obs...)
		o.ObserveInt64(i.breakerRejections, int64(st.Rejected), all.obs...)
		return nil
	}, i.breakerState, i.breakerTrips, i.breakerRejections)
}

// ObserveRetryBudget reports the balance and counts of a retry budget
// called name; stats is its [retry.Budget.Stats].
func (in *Instrumentation) ObserveRetryBudget(name string, stats func() retry.BudgetStats) (metric.Registration, error) {
	if err := checkObserve("ObserveRetryBudget", name, stats == nil); err != nil {
		return nil, err
	}
	all := newAttrs(name)
	i := &in.inst
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		o.ObserveInt64(i.budgetBalance, int64(st.Balance), all.obs...)
		o.ObserveInt64(i.budgetDeposits, int64(st.Deposits), all.obs...)
		o.ObserveInt64(i.budgetWithdrawals, int64(st.Withdrawals), all.obs...)
		o.ObserveInt64(i.budgetRejected, int64(st.Rejected), all.obs...)
		return nil
	}, i.budgetBalance, i.budgetDeposits, i.budgetWithdrawals, i.budgetRejected)
}

// ObservePool reports the depth, workers and item counts of a pool
// called name; stats is its [queue.Pool.Stats].
func (in *Instrumentation) ObservePool(name string, stats func() queue.Stats) (metric.Registration, error) {
	if err := checkObserve("ObservePool", name, stats == nil); err != nil {
		return nil, err
	}
	all := newAttrs(name)
	results := results(name, QueueResultKey, "accepted", "handled", "failed", "dropped", "rejected", "returned")
	i := &in.inst
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		o.ObserveInt64(i.queueDepth, int64(st.Queued), all.obs...)
		o.ObserveInt64(i.queueCapacity, int64(st.Capacity), all.obs...)
		o.ObserveInt64(i.queueInFlight, int64(st.InFlight), all.obs...)
		o.ObserveInt64(i.queueWorkers, int64(st.Workers), all.obs...)
		for k, v := range []uint64{st.Accepted, st.Handled, st.Failed, st.Dropped, st.Rejected, st.Returned} {
			o.ObserveInt64(i.queueItems, int64(v), results[k].obs...)
		}
		return nil
	}, i.queueDepth, i.queueCapacity, i.queueInFlight, i.queueWorkers, i.queueItems)
}

// ObserveLimit reports the limit, calls in flight and waiting, and call
// counts of a limiter called name; stats is its Stats method
// ([limit.Bulkhead.Stats], [limit.Adaptive.Stats]).
func (in *Instrumentation) ObserveLimit(name string, stats func() limit.Stats) (metric.Registration, error) {
	if err := checkObserve("ObserveLimit", name, stats == nil); err != nil {
		return nil, err
	}
	all := newAttrs(name)
	results := results(name, LimitResultKey, "admitted", "rejected", "canceled")
	i := &in.inst
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		o.ObserveInt64(i.limitLimit, int64(st.Limit), all.obs...)
		o.ObserveInt64(i.limitInFlight, int64(st.InFlight), all.obs...)
		o.ObserveInt64(i.limitWaiting, int64(st.Waiting), all.obs...)
		for k, v := range []uint64{st.Admitted, st.Rejected, st.Canceled} {
			o.ObserveInt64(i.limitCalls, int64(v), results[k].obs...)
		}
		o.ObserveFloat64(i.limitWaitTime, st.WaitTime.Seconds(), all.obs...)
		return nil
	}, i.limitLimit, i.limitInFlight, i.limitWaiting, i.limitCalls, i.limitWaitTime)
}

// ObserveThrottle reports the calls a client-side throttle rejected
// (holdfast.limit.calls with holdfast.limit.result "rejected") and its
// probability of rejecting the next call, for a throttle called name;
// stats is its [limit.Throttle.Stats].
func (in *Instrumentation) ObserveThrottle(name string, stats func() limit.ThrottleStats) (metric.Registration, error) {
	if err := checkObserve("ObserveThrottle", name, stats == nil); err != nil {
		return nil, err
	}
	all := newAttrs(name)
	rejected := results(name, LimitResultKey, "rejected")[0]
	i := &in.inst
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		o.ObserveInt64(i.limitCalls, int64(st.Rejected), rejected.obs...)
		o.ObserveFloat64(i.throttleProbability, st.Probability, all.obs...)
		return nil
	}, i.limitCalls, i.throttleProbability)
}

// ObserveCache reports the hits per tier, misses, loads, stale serves,
// remote errors, invalidations and local-tier entries of a cache called
// name; stats is its [cache.Cache.Stats]. For the latency of loads, wrap
// the loader in a [Dependency].
func (in *Instrumentation) ObserveCache(name string, stats func() cache.Stats) (metric.Registration, error) {
	if err := checkObserve("ObserveCache", name, stats == nil); err != nil {
		return nil, err
	}
	all := newAttrs(name)
	tiers := results(name, CacheTierKey, "local", "remote")
	errs := results(name, CacheErrorKey, "store", "decode", "encode")
	reasons := results(name, CacheReasonKey, "evicted", "expired", "replaced", "deleted")
	i := &in.inst
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		o.ObserveInt64(i.cacheHits, st.LocalHits, tiers[0].obs...)
		o.ObserveInt64(i.cacheHits, st.RemoteHits, tiers[1].obs...)
		o.ObserveInt64(i.cacheMisses, st.Misses, all.obs...)
		o.ObserveInt64(i.cacheStale, st.StaleServed, all.obs...)
		o.ObserveInt64(i.cacheNegative, st.NegativeHits, all.obs...)
		o.ObserveInt64(i.cacheLoads, st.Loads, all.obs...)
		o.ObserveInt64(i.cacheLoadErrors, st.LoadErrors, all.obs...)
		o.ObserveInt64(i.cacheRefreshes, st.Refreshes, all.obs...)
		o.ObserveInt64(i.cacheRemoteErrors, st.RemoteErrors, errs[0].obs...)
		o.ObserveInt64(i.cacheRemoteErrors, st.DecodeErrors, errs[1].obs...)
		o.ObserveInt64(i.cacheRemoteErrors, st.EncodeErrors, errs[2].obs...)
		o.ObserveInt64(i.cacheInvalidations, st.Invalidations, all.obs...)
		o.ObserveInt64(i.cacheResets, st.Resets, all.obs...)
		o.ObserveInt64(i.cacheEntries, int64(st.Local.Len), all.obs...)
		for k, v := range []int64{st.Local.Evictions, st.Local.Expirations, st.Local.Replacements, st.Local.Deletes} {
			o.ObserveInt64(i.cacheEvictions, v, reasons[k].obs...)
		}
		return nil
	}, i.cacheHits, i.cacheMisses, i.cacheStale, i.cacheNegative, i.cacheLoads, i.cacheLoadErrors, i.cacheRefreshes,
		i.cacheRemoteErrors, i.cacheInvalidations, i.cacheResets, i.cacheEntries, i.cacheEvictions)
}

func checkObserve(what, name string, nilStats bool) error {
	if nilStats {
		return errors.New("holdfastotel: " + what + ": nil stats func")
	}
	return checkName(what, name)
}

// results returns the attribute sets of name with key set to each value.
func results(name string, key attribute.Key, values ...string) []attrs {
	out := make([]attrs, len(values))
	for i, v := range values {
		out[i] = newAttrs(name, key.String(v))
	}
	return out
}
