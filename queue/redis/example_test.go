package redis_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	qredis "github.com/holdfast-go/holdfast/queue/redis"
)

type Mail struct {
	To      string
	Subject string
}

func send(ctx context.Context, m Mail) error {
	fmt.Println("sending to", m.To)
	return nil
}

// Two workers share one stream: each runs the same code, in its own
// process or replica, as a member of the consumer group "senders". Each
// job goes to one of them; if one dies, the other reclaims its jobs after
// the visibility timeout. (This example needs a Redis on localhost:6379,
// so it has no output to check.)
func Example() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()

	// Worker: a Consumer with 8 handlers at once.
	worker, err := qredis.NewConsumer(ctx, rdb, "mails", "senders", send,
		qredis.WithWorkers(8),
		qredis.WithVisibilityTimeout(30*time.Second),
		qredis.WithMaxDeliveries(5),
	)
	if err != nil {
		log.Fatal(err)
	}

	// Producer: anywhere, for example in an HTTP handler.
	mails, err := qredis.NewProducer[Mail](ctx, rdb, "mails")
	if err != nil {
		log.Fatal(err)
	}
	id, err := mails.Enqueue(ctx, Mail{To: "ada@example.com", Subject: "welcome"},
		qredis.WithUniqueKey("welcome:ada@example.com"))
	if err != nil {
		log.Fatal(err)
	}
	log.Println("enqueued", id)

	// On SIGTERM: stop reading, let running handlers finish for 20s.
	sig, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-sig.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := worker.Shutdown(shutdownCtx); err != nil {
		log.Println("shutdown:", err) // the unfinished jobs stay pending for the other worker
	}
}

// Options are checked before the Consumer touches Redis: a bad value is an
// error naming the option.
func ExampleWithWorkers() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	_, err := qredis.NewConsumer(context.Background(), rdb, "mails", "senders", send, qredis.WithWorkers(0))
	fmt.Println(err)
	// Output: queue/redis: WithWorkers: workers must be in [1, 10000], got 0
}

// A handler that panics fails its delivery with a *PanicError, which the
// WithOnError hook sees; the job is retried or dead-lettered like any
// failed job, its dead letter keeping the stack.
func ExamplePanicError() {
	onError := func(id string, err error) {
		if pe, ok := errors.AsType[*qredis.PanicError](err); ok {
			fmt.Printf("job %s panicked: %v (with a stack: %t)\n", id, pe.Value, len(pe.Stack) > 0)
			return
		}
		fmt.Printf("job %s failed: %v\n", id, err)
	}
	onError("0193", &qredis.PanicError{Value: "index out of range", Stack: []byte("goroutine 7 [running]:")})
	onError("0194", errors.New("smtp: 451 try again later"))
	// Output:
	// job 0193 panicked: index out of range (with a stack: true)
	// job 0194 failed: smtp: 451 try again later
}

// RawCodec stores []byte and string jobs as they are.
func ExampleRawCodec() {
	var c qredis.RawCodec
	data, _ := c.Marshal("resize:photo-42.jpg")
	var job string
	_ = c.Unmarshal(data, &job)
	fmt.Println(job)
	_, err := c.Marshal(42)
	fmt.Println(err)
	// Output:
	// resize:photo-42.jpg
	// queue/redis: RawCodec: cannot encode int, only []byte and string
}
