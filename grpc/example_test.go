package holdfastgrpc_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/holdfast-go/holdfast/breaker"
	holdfastgrpc "github.com/holdfast-go/holdfast/grpc"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// The examples serve the test service over an in-memory connection
// (serve, in helpers_test.go), with a server that fails as scripted.

func ExampleUnaryClientRetry() {
	// The server is unavailable for the first call, and asks the client to
	// come back at once (a pushback of 0ms).
	s := &echoServer{script: func(n int) outcome {
		if n == 1 {
			return outcome{err: status.Error(codes.Unavailable, "restarting"), pushback: "0"}
		}
		return outcome{}
	}}
	policy, err := retry.New(retry.WithMaxAttempts(3))
	if err != nil {
		fmt.Println(err)
		return
	}
	retryI, err := holdfastgrpc.UnaryClientRetry(policy)
	if err != nil {
		fmt.Println(err)
		return
	}
	cc, stop, err := serve(s, nil,
		grpc.WithChainUnaryInterceptor(retryI),
		grpc.WithDisableRetry(), // one layer of retries, not two
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()

	reply, err := call(context.Background(), cc, "hello")
	fmt.Println(reply, err, "after", s.calls.Load(), "calls")
	// Output: hello <nil> after 2 calls
}

func ExampleUnaryClientBreaker() {
	s := &echoServer{script: func(int) outcome {
		return outcome{err: status.Error(codes.Unavailable, "down")}
	}}
	b, err := breaker.New(breaker.WithConsecutiveFailures(2), breaker.WithOpenDuration(time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	breakerI, err := holdfastgrpc.UnaryClientBreaker(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	cc, stop, err := serve(s, nil, grpc.WithChainUnaryInterceptor(breakerI))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()

	for range 3 {
		_, err := call(context.Background(), cc, "hello")
		fmt.Println(status.Code(err), errors.Is(err, breaker.ErrOpen))
	}
	fmt.Println("calls sent:", s.calls.Load())
	// Output:
	// Unavailable false
	// Unavailable false
	// Unavailable true
	// calls sent: 2
}

func ExampleUnaryServerShed() {
	l, err := limit.NewBulkhead(1, limit.WithRetryAfter(250*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	shedI, err := holdfastgrpc.UnaryServerShed(l)
	if err != nil {
		fmt.Println(err)
		return
	}
	cc, stop, err := serve(&echoServer{}, []grpc.ServerOption{grpc.ChainUnaryInterceptor(shedI)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()

	// Another call holds the only place.
	p, err := l.Acquire(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	var trailer metadata.MD
	_, err = call(context.Background(), cc, "hello", grpc.Trailer(&trailer))
	fmt.Println(status.Code(err), trailer.Get(holdfastgrpc.MetadataPushback))

	p.Release(nil)
	reply, err := call(context.Background(), cc, "hello")
	fmt.Println(reply, err)
	// Output:
	// ResourceExhausted [250]
	// hello <nil>
}

func ExampleStreamClientRetry() {
	// The first stream fails before answering; the retry opens a second
	// one and sends it the same messages.
	s := &echoServer{script: func(n int) outcome {
		if n == 1 {
			return outcome{err: status.Error(codes.Unavailable, "restarting"), pushback: "0"}
		}
		return outcome{}
	}}
	policy, err := retry.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	retryI, err := holdfastgrpc.StreamClientRetry(policy)
	if err != nil {
		fmt.Println(err)
		return
	}
	cc, stop, err := serve(s, nil, grpc.WithChainStreamInterceptor(retryI), grpc.WithDisableRetry())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()

	replies, err := exchange(context.Background(), cc, "a", "b")
	fmt.Println(replies, err, "streams:", s.calls.Load())
	// Output: [a b] <nil> streams: 2
}
