package main

import (
	"crypto/sha256"
	"encoding/hex"
)

// Names shared by the processes.
const (
	group         = "charge"   // its consumer group
	limitKey      = "provider" // the workers' shared rate limit's key
	ordersPath    = "/orders"  // the intake's endpoint
	chargePath    = "/charges" // the provider's endpoint
	workerHead    = "X-Worker" // the worker's name, sent to the provider
	intakeMode    = "-mode=intake"
	workerMode    = "-mode=worker"
	readyPrefix   = "ready "
	crashedPrefix = "crashed after enqueueing "
)

// order is a queued job: what a worker needs to charge it.
type order struct {
	ID    string `json:"id"`    // derived from the client's Idempotency-Key
	Cents int    `json:"cents"` // the amount
}

// orderRequest is the body a client posts to the intake.
type orderRequest struct {
	Item  string `json:"item"`
	Cents int    `json:"cents"`
}

// charge is the body a worker posts to the provider. It holds nothing that
// differs between deliveries of one order, so that a redelivery has the
// same fingerprint at the provider's idempotency layer.
type charge struct {
	Order string `json:"order"`
	Cents int    `json:"cents"`
}

// orderID derives an order's ID from the client's Idempotency-Key: the same
// key always names the same order, whichever intake process takes it.
func orderID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "ord_" + hex.EncodeToString(sum[:8])
}
