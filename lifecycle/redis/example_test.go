package redis_test

import (
	"context"
	"database/sql"
	"errors"
	"log"
	"time"

	"github.com/holdfast-go/holdfast/lifecycle"
	lifecycleredis "github.com/holdfast-go/holdfast/lifecycle/redis"
	"github.com/redis/go-redis/v9"
)

// A sweep of expired rows, once per cluster: every replica runs this, and
// only the one holding the lease sweeps. The fencing token guards the
// write: a replica that lost the lease without noticing cannot undo the
// work of the one that took it over.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	var db *sql.DB // the service's database

	lease, err := lifecycleredis.New(rdb, "sweep-expired", lifecycleredis.WithTTL(15*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	sweep := func(ctx context.Context) error {
		fence, _ := lifecycleredis.Fence(ctx)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		// The sweeps row keeps the highest fence that has written; it is
		// locked until the commit, and a stale holder's update matches
		// nothing.
		res, err := tx.ExecContext(ctx,
			`UPDATE sweeps SET fence = $1 WHERE name = 'expired' AND fence <= $1`, fence)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errors.New("sweep: a holder with a newer fence has written")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < now()`); err != nil {
			return err
		}
		return tx.Commit()
	}
	task, err := lifecycle.NewTask(time.Minute, sweep,
		lifecycle.WithJitter(0.1), lifecycle.WithLease(lease),
		lifecycle.WithOnError(func(err error) { log.Print("sweep: ", err) }))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := task.Start(ctx); err != nil {
		log.Fatal(err)
	}
	// At shutdown, as a stage of a lifecycle.Shutdown: stopping the task
	// cancels a sweep in progress and gives the lease up at once, so that
	// another replica takes it at its next tick instead of after the TTL.
	_ = task.Shutdown(ctx)
}
