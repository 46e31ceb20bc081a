package redis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestNewProducerBadInput(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	noTimeouts := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr})
	defer noTimeouts.Close()
	tests := []struct {
		name   string
		ctx    context.Context
		client redis.UniversalClient
		stream string
		opts   []ProducerOption
		want   string
	}{
		{"nil ctx", nil, rdb, "s", nil, "nil Context"},
		{"nil client", ctx, nil, "s", nil, "client must not be nil"},
		{"no ctx timeouts", ctx, noTimeouts, "s", nil, "ContextTimeoutEnabled"},
		{"empty stream", ctx, rdb, "", nil, "stream name must not be empty"},
		{"hash tag", ctx, rdb, "a{b}", nil, `must not contain '{' or '}', got "a{b}"`},
		{"nil option", ctx, rdb, "s", []ProducerOption{nil}, "nil Option"},
		{"max len", ctx, rdb, "s", []ProducerOption{WithMaxLen(0)}, "WithMaxLen: length must be > 0, got 0"},
		{"prefix", ctx, rdb, "s", []ProducerOption{WithPrefix("x{")}, "WithPrefix"},
		{"codec", ctx, rdb, "s", []ProducerOption{WithCodec(nil)}, "WithCodec: codec must not be nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewProducer[int](tt.ctx, tt.client, tt.stream, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewProducer() = %v, %v, want an error containing %q", p, err, tt.want)
			}
		})
	}
}

func TestEnqueueBadInput(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[any](t, ctx, rdb, "s")
	var nilCtx context.Context
	if _, err := p.Enqueue(nilCtx, 1); err == nil || !strings.Contains(err.Error(), "nil Context") {
		t.Errorf("Enqueue(nil ctx) = %v, want a nil Context error", err)
	}
	var encErr *EncodeError
	if _, err := p.Enqueue(ctx, make(chan int)); !errors.As(err, &encErr) {
		t.Errorf("Enqueue(chan) = %v, want an *EncodeError", err)
	}
	if _, err := p.Enqueue(ctx, 1, WithDelay(-time.Second)); err == nil || !strings.Contains(err.Error(), "WithDelay") {
		t.Errorf("Enqueue(WithDelay(-1s)) = %v, want an error naming WithDelay", err)
	}
	if _, err := p.Enqueue(ctx, 1, WithUniqueKey("")); err == nil || !strings.Contains(err.Error(), "WithUniqueKey") {
		t.Errorf("Enqueue(WithUniqueKey(\"\")) = %v, want an error naming WithUniqueKey", err)
	}
	if _, err := p.EnqueueBatch(ctx, []any{1}, WithUniqueKey("k")); err == nil {
		t.Errorf("EnqueueBatch(WithUniqueKey) = nil, want an error")
	}
	if n := rdb.XLen(ctx, "holdfast:queue:{s}").Val(); n != 0 {
		t.Errorf("stream length after refused enqueues = %d, want 0", n)
	}
}

func TestEnqueueRedisDown(t *testing.T) {
	srv, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	srv.Stop()
	if _, err := p.Enqueue(ctx, 1); err == nil {
		t.Fatalf("Enqueue with Redis down = nil, want an error")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, 1); err != nil {
		t.Fatalf("Enqueue after Redis returned = %v, want nil", err)
	}
}

func TestUniqueKeyDedupes(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	id1, err := p.Enqueue(ctx, 1, WithUniqueKey("order-7"))
	if err != nil {
		t.Fatal(err)
	}
	id2, err := p.Enqueue(ctx, 2, WithUniqueKey("order-7"))
	if err != nil || id2 != id1 {
		t.Fatalf("second Enqueue with the same key = %q, %v, want %q, nil", id2, err, id1)
	}
	// Delayed jobs are pending too.
	id3, _ := p.Enqueue(ctx, 3, WithUniqueKey("later"), WithDelay(time.Hour))
	if id4, _ := p.Enqueue(ctx, 4, WithUniqueKey("later")); id4 != id3 {
		t.Fatalf("Enqueue with the key of a delayed job = %q, want %q", id4, id3)
	}
	s := newSeen()
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		s.add(v)
		return nil
	}, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	s.waitAll(t, []int{1}, 10*time.Second)
	shutdown(t, c) // flushes the acknowledgement, which releases the key
	if n := s.count(2); n != 0 {
		t.Errorf("the deduplicated job ran %d times, want 0", n)
	}
	id5, err := p.Enqueue(ctx, 5, WithUniqueKey("order-7"))
	if err != nil || id5 == id1 {
		t.Errorf("Enqueue after the job was handled = %q, %v, want a new ID", id5, err)
	}
	if st := p.Stats(); st.Enqueued != 3 || st.Duplicates != 2 {
		t.Errorf("Stats() = %+v, want 3 enqueued, 2 duplicates", st)
	}
}

func TestDelayedJobsDoNotRunEarly(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	ran := make(chan time.Time, 10)
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		ran <- time.Now()
		return nil
	}, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, c)
	const delay = 300 * time.Millisecond
	// Redis and the test read one clock; Redis's TIME is in microseconds.
	start := time.Now()
	if _, err := p.Enqueue(ctx, 1, WithDelay(delay)); err != nil {
		t.Fatal(err)
	}
	at := start.Add(2 * delay)
	if _, err := p.Enqueue(ctx, 2, WithRunAt(at)); err != nil {
		t.Fatal(err)
	}
	first, second := recv(t, ran), recv(t, ran)
	if got := first.Sub(start); got < delay {
		t.Errorf("job with WithDelay(%v) ran after %v, want >= %v", delay, got, delay)
	}
	if second.Before(at) {
		t.Errorf("job with WithRunAt ran %v early", at.Sub(second))
	}
}

func TestFullStreamTrimsOnlyAcknowledged(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	const stream = "holdfast:queue:{s}"
	p := newProducer[int](t, ctx, rdb, "s", WithMaxLen(10))
	for i := range 10 {
		if _, err := p.Enqueue(ctx, i); err != nil {
			t.Fatalf("Enqueue(%d) = %v", i, err)
		}
	}
	// No group has read anything: nothing may be trimmed.
	if _, err := p.Enqueue(ctx, 10); !errors.Is(err, ErrFull) {
		t.Fatalf("Enqueue into a full stream with no group = %v, want ErrFull", err)
	}
	rdb.XGroupCreate(ctx, stream, "g", "0")
	msgs := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []string{stream, ">"}, Count: 6}).Val()[0].Messages
	// Acknowledge entries 0, 1, 3 and 4; 2 and 5 stay pending, 6 to 9 unread.
	rdb.XAck(ctx, stream, "g", msgs[0].ID, msgs[1].ID, msgs[3].ID, msgs[4].ID)
	for i := range 2 { // trimming below entry 2 makes room for two
		if _, err := p.Enqueue(ctx, 10+i); err != nil {
			t.Fatalf("Enqueue after acknowledgements = %v, want nil", err)
		}
	}
	if _, err := p.Enqueue(ctx, 12); !errors.Is(err, ErrFull) {
		t.Fatalf("Enqueue with every remaining entry pending or unread = %v, want ErrFull", err)
	}
	left := rdb.XRange(ctx, stream, "-", "+").Val()
	if len(left) != 10 || left[0].ID != msgs[2].ID {
		t.Fatalf("stream after trimming starts at %v (%d entries), want the pending %v first, 10 entries",
			left[0].ID, len(left), msgs[2].ID)
	}
	// A second group that has read nothing keeps everything.
	rdb.XGroupCreate(ctx, stream, "other", "0")
	rdb.XAck(ctx, stream, "g", msgs[2].ID, msgs[5].ID)
	if _, err := p.Enqueue(ctx, 12); !errors.Is(err, ErrFull) {
		t.Fatalf("Enqueue with a group that read nothing = %v, want ErrFull", err)
	}
	if st := p.Stats(); st.Full != 3 || st.Enqueued != 12 {
		t.Errorf("Stats() = %+v, want 12 enqueued, 3 full", st)
	}
}

func TestWaitWhenFull(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s", WithMaxLen(2), WithWaitWhenFull())
	p.Enqueue(ctx, 0)
	p.Enqueue(ctx, 1)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := p.Enqueue(short, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Enqueue waiting on a full stream until its ctx ends = %v, want DeadlineExceeded", err)
	}
	s := newSeen()
	c, err := NewConsumer(ctx, rdb, "s", "g", func(_ context.Context, v int) error {
		s.add(v)
		return nil
	}, fastConsumer()...)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, c)
	for i := 2; i < 20; i++ { // the consumer makes room as it goes
		if _, err := p.Enqueue(ctx, i); err != nil {
			t.Fatalf("Enqueue(%d) = %v, want nil", i, err)
		}
	}
	want := make([]int, 20)
	for i := range want {
		want[i] = i
	}
	s.waitAll(t, want, 10*time.Second)
}

func TestEnqueueBatch(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[string](t, ctx, rdb, "s", WithCodec(RawCodec{}), WithMaxLen(5))
	ids, err := p.EnqueueBatch(ctx, []string{"a", "b", "c", "d", "e", "f", "g"})
	if !errors.Is(err, ErrFull) {
		t.Fatalf("EnqueueBatch of 7 into 5 = %v, want ErrFull", err)
	}
	added := 0
	for _, id := range ids {
		if id != "" {
			added++
		}
	}
	if added != 5 || ids[5] != "" || ids[6] != "" {
		t.Fatalf("EnqueueBatch IDs = %q, want the first 5 set", ids)
	}
	msgs := rdb.XRange(ctx, "holdfast:queue:{s}", "-", "+").Val()
	for i, m := range msgs {
		if m.Values["id"] != ids[i] || m.Values["p"] != string(rune('a'+i)) {
			t.Errorf("entry %d = %v, want id %s, payload %c", i, m.Values, ids[i], 'a'+i)
		}
	}
}

func TestEvictingRedisRefused(t *testing.T) {
	_, rdb := startRedis(t, "--maxmemory-policy", "allkeys-lru")
	ctx := ctxT(t)
	handler := func(context.Context, int) error { return nil }
	if _, err := NewProducer[int](ctx, rdb, "s"); !errors.Is(err, ErrEvicting) {
		t.Errorf("NewProducer on allkeys-lru = %v, want ErrEvicting", err)
	}
	if _, err := NewConsumer(ctx, rdb, "s", "g", handler); !errors.Is(err, ErrEvicting) {
		t.Errorf("NewConsumer on allkeys-lru = %v, want ErrEvicting", err)
	}
	if _, err := NewProducer[int](ctx, rdb, "s", WithEvictionWarning()); err != nil {
		t.Errorf("NewProducer with WithEvictionWarning = %v, want nil", err)
	}
	c, err := NewConsumer(ctx, rdb, "s", "g", handler, WithEvictionWarning())
	if err != nil {
		t.Fatalf("NewConsumer with WithEvictionWarning = %v, want nil", err)
	}
	shutdown(t, c)
}

func TestEnqueueBatchChunksAndDelays(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := ctxT(t)
	p := newProducer[int](t, ctx, rdb, "s")
	ids, err := p.EnqueueBatch(ctx, make([]int, 2*maxChunk+1))
	if err != nil {
		t.Fatalf("EnqueueBatch(%d jobs) = %v", 2*maxChunk+1, err)
	}
	distinct := map[string]bool{}
	for _, id := range ids {
		distinct[id] = id != ""
	}
	if len(distinct) != 2*maxChunk+1 || rdb.XLen(ctx, testStream).Val() != 2*maxChunk+1 {
		t.Fatalf("EnqueueBatch gave %d distinct IDs, stream length %d, want %d of each",
			len(distinct), rdb.XLen(ctx, testStream).Val(), 2*maxChunk+1)
	}
	if _, err := p.EnqueueBatch(ctx, []int{1, 2}, WithDelay(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := rdb.ZCard(ctx, testStream+":delay").Val(); n != 2 {
		t.Errorf("delayed jobs after a delayed EnqueueBatch = %d, want 2", n)
	}
	if st := p.Stats(); st.Enqueued != 2*maxChunk+3 {
		t.Errorf("Stats().Enqueued = %d, want %d", st.Enqueued, 2*maxChunk+3)
	}
}
