package holdfastgrpc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The test service, "test.Echo", has no .proto: its descriptor is written
// by hand, with wrapperspb messages, which gRPC's default codec handles.
const (
	methodUnary = "/test.Echo/Unary"
	methodBidi  = "/test.Echo/Bidi"
)

var bidiDesc = &grpc.StreamDesc{StreamName: "Bidi", ServerStreams: true, ClientStreams: true}

// outcome is what the scripted server does with one call: set the
// pushback trailer (when not ""), then fail with err; for a stream, send
// one reply before failing with after, or fail with err before reading
// anything when early is set; header sends the stream's header first.
type outcome struct {
	pushback string
	err      error
	after    error
	early    bool
	header   bool // send the header before anything else
}

// echoServer answers the calls of test.Echo as its script says for the
// n-th call (from 1), or echoes when the script is nil or says nothing.
type echoServer struct {
	calls  atomic.Int64
	script func(n int) outcome
	// gate, when set, is received from before a call answers, so that a
	// test can hold calls in flight.
	gate chan struct{}
	// onUnary, when set, is called with each unary call's context.
	onUnary func(ctx context.Context)

	mu       sync.Mutex
	received [][]string // per stream, the messages it received
}

func (s *echoServer) next() outcome {
	n := int(s.calls.Add(1))
	if s.gate != nil {
		<-s.gate
	}
	if s.script == nil {
		return outcome{}
	}
	return s.script(n)
}

func (s *echoServer) unary(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	if s.onUnary != nil {
		s.onUnary(ctx)
	}
	o := s.next()
	if o.pushback != "" {
		if err := grpc.SetTrailer(ctx, metadata.Pairs("grpc-retry-pushback-ms", o.pushback)); err != nil {
			return nil, err
		}
	}
	if o.err != nil {
		return nil, o.err
	}
	return wrapperspb.String(in.GetValue()), nil
}

// bidi reads every message until the client closes its side, then answers
// as the script says, echoing each message.
func (s *echoServer) bidi(ss grpc.ServerStream) error {
	o := s.next()
	if o.header {
		if err := ss.SendHeader(metadata.Pairs("attempt", "1")); err != nil {
			return err
		}
	}
	if o.early {
		return o.err
	}
	var got []string
	for {
		in := new(wrapperspb.StringValue)
		err := ss.RecvMsg(in)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		got = append(got, in.GetValue())
	}
	s.mu.Lock()
	s.received = append(s.received, got)
	s.mu.Unlock()
	if o.pushback != "" {
		ss.SetTrailer(metadata.Pairs("grpc-retry-pushback-ms", o.pushback))
	}
	if o.err != nil {
		return o.err
	}
	for i, v := range got {
		if err := ss.SendMsg(wrapperspb.String(v)); err != nil {
			return err
		}
		if i == 0 && o.after != nil {
			return o.after
		}
	}
	return nil
}

func (s *echoServer) streams() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received
}

func serviceDesc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: "test.Echo",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Unary",
			Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				s := srv.(*echoServer)
				if icpt == nil {
					return s.unary(ctx, in)
				}
				info := &grpc.UnaryServerInfo{Server: srv, FullMethod: methodUnary}
				return icpt(ctx, in, info, func(ctx context.Context, req any) (any, error) {
					return s.unary(ctx, req.(*wrapperspb.StringValue))
				})
			},
		}},
		Streams: []grpc.StreamDesc{{
			StreamName:    "Bidi",
			ServerStreams: true,
			ClientStreams: true,
			Handler: func(srv any, ss grpc.ServerStream) error {
				return srv.(*echoServer).bidi(ss)
			},
		}},
	}
}

// start serves s over an in-memory connection (bufconn) and returns a
// client connected to it; both stop when the test ends.
func start(tb testing.TB, s *echoServer, sopts []grpc.ServerOption, copts ...grpc.DialOption) *grpc.ClientConn {
	tb.Helper()
	cc, stop, err := serve(s, sopts, copts...)
	if err != nil {
		tb.Fatalf("serve: %v", err)
	}
	tb.Cleanup(stop)
	return cc
}

// serve serves s over an in-memory connection (bufconn) and returns a
// client connected to it, and a func that stops both. The client has
// grpc-go's own retries off, as the package doc advises next to these
// interceptors.
func serve(s *echoServer, sopts []grpc.ServerOption, copts ...grpc.DialOption) (*grpc.ClientConn, func(), error) {
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(sopts...)
	srv.RegisterService(serviceDesc(), s)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	dial := func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }
	copts = append([]grpc.DialOption{
		grpc.WithContextDialer(dial),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDisableRetry(),
	}, copts...)
	stop := func() {
		srv.Stop()
		<-served
	}
	cc, err := grpc.NewClient("passthrough:///bufconn", copts...)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return cc, func() {
		_ = cc.Close()
		stop()
	}, nil
}

// call makes one unary call with msg and returns the reply's value.
func call(ctx context.Context, cc *grpc.ClientConn, msg string, opts ...grpc.CallOption) (string, error) {
	out := new(wrapperspb.StringValue)
	err := cc.Invoke(ctx, methodUnary, wrapperspb.String(msg), out, opts...)
	return out.GetValue(), err
}

// exchange opens a bidi stream, sends msgs, closes its side and reads
// every reply until the stream ends; it returns the replies and the
// stream's final error (nil for io.EOF).
func exchange(ctx context.Context, cc *grpc.ClientConn, msgs ...string) ([]string, error) {
	cs, err := cc.NewStream(ctx, bidiDesc, methodBidi)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if err := cs.SendMsg(wrapperspb.String(m)); err != nil {
			return nil, err
		}
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	var got []string
	for {
		out := new(wrapperspb.StringValue)
		err := cs.RecvMsg(out)
		if errors.Is(err, io.EOF) {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, out.GetValue())
	}
}
