package redis

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// After a failed dial, go-redis's pool retries in a goroutine that
	// checks whether the pool is closed once a second: it ends within a
	// second of Client.Close, which may be after the last test.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}
