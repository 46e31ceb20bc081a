package idempotency_test

import (
	"context"
	"fmt"
	"log"

	"github.com/holdfast-go/holdfast/idempotency"
)

// A Group counts what became of its calls: here a first run, a replay
// and a key reused with another payload.
func ExampleGroup_Stats() {
	g, err := idempotency.New()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	charge := func(context.Context) (string, error) { return "charged", nil }
	_, _, _ = idempotency.Do(ctx, g, "pay-1", "amount=10", charge)
	_, _, _ = idempotency.Do(ctx, g, "pay-1", "amount=10", charge)
	_, _, _ = idempotency.Do(ctx, g, "pay-1", "amount=99", charge)
	fmt.Println(g.Stats())
	// Output:
	// executions=1 replays=1 conflicts=1 rejected=0 waited=0 store_errors=0 fail_open=0
}
