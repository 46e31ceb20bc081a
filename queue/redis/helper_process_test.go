package redis

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// helperEnv, set to a Redis address, makes the test binary run
// helperMain, a consumer process, instead of the tests.
const helperEnv = "QREDIS_HELPER_ADDR"

// helperMain is a consumer process whose handler reports each job it
// starts on stdout and never returns: it is killed mid-handler.
func helperMain() int {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv(helperEnv), ContextTimeoutEnabled: true})
	c, err := NewConsumer(context.Background(), rdb, "s", "g", func(ctx context.Context, v int) error {
		fmt.Printf("started %d\n", v)
		<-ctx.Done()
		return ctx.Err()
	}, fastConsumer(WithWorkers(4), WithBatchSize(4))...)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("consumer", c.Name())
	select {} // until killed
}

func TestKilledConsumerProcessLosesNothing(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	want := make([]int, 40)
	for i := range want {
		want[i] = i
	}
	if _, err := p.EnqueueBatch(ctx, want); err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), helperEnv+"="+rdb.Options().Addr)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	lines := bufio.NewScanner(out)
	var name string
	for started := 0; (started < 4 || name == "") && lines.Scan(); { // all four workers are in a handler
		line := lines.Text()
		switch {
		case strings.HasPrefix(line, "consumer "):
			name = strings.TrimPrefix(line, "consumer ")
		case strings.HasPrefix(line, "started "):
			started++
		case strings.HasPrefix(line, "error"):
			t.Fatalf("helper process: %s", line)
		}
	}
	held := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: testStream, Group: "g",
		Start: "-", End: "+", Count: 100, Consumer: name}).Val()
	if len(held) < 4 {
		t.Fatalf("the consumer process holds %d entries, want at least 4", len(held))
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()

	s := newSeen()
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		s.add(v)
		return nil
	}, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	s.waitAll(t, want, 20*time.Second)
	shutdown(t, c)
	if got := c.Stats().Reclaimed; got < uint64(len(held)) {
		t.Errorf("Reclaimed = %d, want >= %d, the entries the killed process held", got, len(held))
	}
	if n := rdb.XPending(ctx, testStream, "g").Val().Count; n != 0 {
		t.Errorf("pending after every job was handled = %d, want 0", n)
	}
}
