package lifecycle

import "context"

// Lease is a lock with an expiry, shared by the replicas of a service, that
// lets one of them at a time do something: lifecycle/redis's Lease is one,
// on Redis. [WithLease] makes a [Task] run under one.
type Lease interface {
	// Run takes the lease, calls fn while it holds it, and gives the lease
	// up when fn returns. If another holder has the lease, Run returns
	// [ErrLeaseHeld] at once without calling fn. If the lease is lost while
	// fn runs, fn's ctx is cancelled with the cause [ErrLeaseLost], and
	// Run returns an error wrapping ErrLeaseLost once fn has returned.
	Run(ctx context.Context, fn func(ctx context.Context) error) error
}
