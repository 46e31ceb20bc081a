package holdfastgrpc_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"

	"github.com/holdfast-go/holdfast/breaker"
	holdfastgrpc "github.com/holdfast-go/holdfast/grpc"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/retry"
)

// BenchmarkUnary measures a unary call over bufconn that succeeds, without
// interceptors ("none") and through each interceptor: the difference is
// the interceptor's cost on the success path.
func BenchmarkUnary(b *testing.B) {
	retryI, breakerI, shedI := benchInterceptors(b)
	benches := []struct {
		name  string
		sopts []grpc.ServerOption
		copts []grpc.DialOption
	}{
		{name: "none"},
		{name: "retry", copts: []grpc.DialOption{grpc.WithChainUnaryInterceptor(retryI)}},
		{name: "breaker", copts: []grpc.DialOption{grpc.WithChainUnaryInterceptor(breakerI)}},
		{name: "shed", sopts: []grpc.ServerOption{grpc.ChainUnaryInterceptor(shedI)}},
		{name: "all", sopts: []grpc.ServerOption{grpc.ChainUnaryInterceptor(shedI)},
			copts: []grpc.DialOption{grpc.WithChainUnaryInterceptor(retryI, breakerI)}},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			cc := start(b, &echoServer{}, bb.sopts, bb.copts...)
			ctx := context.Background()
			if _, err := call(ctx, cc, "hi"); err != nil { // connect
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := call(ctx, cc, "hi"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInterceptor measures each interceptor alone, around an invoker
// (or handler) that returns at once: its own cost on the success path,
// without the noise of a call over a connection.
func BenchmarkInterceptor(b *testing.B) {
	retryI, breakerI, shedI := benchInterceptors(b)
	ctx := context.Background()
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	handler := func(context.Context, any) (any, error) { return nil, nil }
	info := &grpc.UnaryServerInfo{FullMethod: methodUnary}
	benches := []struct {
		name string
		call func() error
	}{
		{name: "none", call: func() error { return invoker(ctx, methodUnary, nil, nil, nil) }},
		{name: "retry", call: func() error { return retryI(ctx, methodUnary, nil, nil, nil, invoker) }},
		{name: "breaker", call: func() error { return breakerI(ctx, methodUnary, nil, nil, nil, invoker) }},
		{name: "shed", call: func() error { _, err := shedI(ctx, nil, info, handler); return err }},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bb.call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchInterceptors builds the interceptors both benchmarks measure: retry
// with a zero [retry.Policy], a breaker with default settings and shed on a
// bulkhead too large to refuse.
func benchInterceptors(b *testing.B) (retryI, breakerI grpc.UnaryClientInterceptor, shedI grpc.UnaryServerInterceptor) {
	b.Helper()
	br, err := breaker.New()
	if err != nil {
		b.Fatal(err)
	}
	l, err := limit.NewBulkhead(1 << 20)
	if err != nil {
		b.Fatal(err)
	}
	if retryI, err = holdfastgrpc.UnaryClientRetry(&retry.Policy{}); err != nil {
		b.Fatal(err)
	}
	if breakerI, err = holdfastgrpc.UnaryClientBreaker(br); err != nil {
		b.Fatal(err)
	}
	if shedI, err = holdfastgrpc.UnaryServerShed(l); err != nil {
		b.Fatal(err)
	}
	return retryI, breakerI, shedI
}
