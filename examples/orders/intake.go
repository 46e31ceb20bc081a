package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
	idemredis "github.com/holdfast-go/holdfast/idempotency/redis"
	"github.com/holdfast-go/holdfast/limit"
	qredis "github.com/holdfast-go/holdfast/queue/redis"
	goredis "github.com/redis/go-redis/v9"
)

// Intake sizes: the orders checked at once and how long an order waits
// for a slot before it is shed, and how long the idempotency hold of a
// request lives without renewal (a killed intake's holds block their keys
// for that long).
const (
	intakeSlots   = 4
	intakeMaxWait = 25 * time.Millisecond
	intakeLease   = 2 * time.Second
)

// runIntake is the intake process: POST /orders through load shedding and
// the idempotency middleware, enqueueing each order once.
func runIntake(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("intake", flag.ContinueOnError)
	redisAddr := fs.String("redis", "", "Redis address")
	listen := fs.String("listen", "", "listen address")
	stream := fs.String("stream", "orders", "the queue's name")
	capacity := fs.Int("capacity", 100, "orders a second the intake can check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *capacity < 1 {
		return fmt.Errorf("-capacity must be at least 1, got %d", *capacity)
	}
	rdb := newRedisClient(*redisAddr)
	h, producer, err := newIntake(ctx, rdb, *stream, *capacity)
	if err != nil {
		_ = rdb.Close()
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		_ = rdb.Close()
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := reportEvery(func() workerStats {
		st := producer.Stats()
		return workerStats{Name: "intake", Enqueued: st.Enqueued, Duplicates: st.Duplicates}
	})
	fmt.Printf("%s%s\n", readyPrefix, ln.Addr())
	return serveUntilDone(ctx, stage{"intake HTTP server", serverStage(srv)},
		stage{"stats", func(context.Context) error { stop(); return nil }},
		stage{"Redis client", closeStage(rdb)})
}

// newIntake builds the intake's handler: shed, then dedupe, then enqueue.
// Each order takes intakeSlots/capacity seconds of checking (the stand-in
// for a fraud check) on one of intakeSlots slots, so that the intake takes
// capacity orders a second and sheds the rest of a burst.
func newIntake(ctx context.Context, rdb goredis.UniversalClient, stream string, capacity int) (http.Handler, *qredis.Producer[order], error) {
	producer, err := qredis.NewProducer[order](ctx, rdb, stream)
	if err != nil {
		return nil, nil, err
	}
	store, err := idemredis.New(rdb)
	if err != nil {
		return nil, nil, err
	}
	g, err := idempotency.New(idempotency.WithStore(store), idempotency.WithLease(intakeLease))
	if err != nil {
		return nil, nil, err
	}
	dedupe, err := idempotency.Middleware(g, idempotency.WithKeyRequired(),
		idempotency.WithServerErrors(idempotency.ReleaseServerErrors),
		idempotency.WithRetryAfter(time.Second))
	if err != nil {
		return nil, nil, err
	}
	bulkhead, err := limit.NewBulkhead(intakeSlots, limit.WithMaxWait(intakeMaxWait))
	if err != nil {
		return nil, nil, err
	}
	shed, err := limit.Shed(bulkhead, limit.WithStatus(http.StatusTooManyRequests))
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+ordersPath, shed(dedupe(enqueueHandler(producer, intakeSlots*time.Second/time.Duration(capacity)))))
	return mux, producer, nil
}

// enqueueHandler enqueues the order named by the request's key. The order's
// ID is the queue's unique key, so that an intake killed after enqueueing
// and before recording the response does not make a second job when the
// client retries; the provider's idempotency layer catches what is left.
func enqueueHandler(p *qredis.Producer[order], check time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req orderRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Cents <= 0 {
			http.Error(w, "bad order", http.StatusBadRequest)
			return
		}
		t := time.NewTimer(check)
		select {
		case <-r.Context().Done():
			t.Stop()
			http.Error(w, "client gone", http.StatusServiceUnavailable)
			return
		case <-t.C:
		}
		id := orderID(r.Header.Get(idempotency.HeaderKey))
		job, err := p.Enqueue(r.Context(), order{ID: id, Cents: req.Cents}, qredis.WithUniqueKey(id))
		if err == nil && crashArmed.CompareAndSwap(true, false) {
			fmt.Printf("%s%s\n", crashedPrefix, id)
			os.Exit(3) // a crash: the answer is never recorded, nor sent
		}
		if err != nil {
			// 5xx releases the key: the client's retry enqueues again,
			// and the unique key makes that safe.
			status := http.StatusServiceUnavailable
			if errors.Is(err, qredis.ErrFull) {
				status = http.StatusInsufficientStorage
			}
			http.Error(w, "enqueue: "+err.Error(), status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]string{"order": id, "job": job})
	})
}
