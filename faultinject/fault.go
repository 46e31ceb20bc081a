package faultinject

import (
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

// ErrConnReset is the error of a connection reset by the server, in the
// shape net/http returns it: a [*net.OpError] around an [*os.SyscallError]
// around [syscall.ECONNRESET], so that errors.Is(err, syscall.ECONNRESET)
// holds. Use it as a [Fault]'s Err (reset before the response) or BodyErr
// (reset while the body is read).
var ErrConnReset error = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}

// Fault is what happens to one request. In order:
//
//  1. The request waits Latency, or until its context ends, when it fails
//     with the context's error.
//  2. If Err is set, the request fails with it.
//  3. If Status is set, the answer is made up: Status, a copy of Header,
//     and Body, without calling the base transport. Otherwise the request
//     goes to the base transport.
//  4. If BodyDelay or BodyErr is set, the response body (made up, or the
//     base's) is read through a slow or broken reader.
//
// The zero Fault passes the request to the base transport unchanged.
type Fault struct {
	// Latency is how long the request waits before anything else.
	Latency time.Duration
	// Err, if not nil, is the error the request fails with.
	Err error
	// Status, if not 0, is the status of a made-up answer (100 to 599).
	Status int
	// Header is the made-up answer's header, copied for each answer.
	Header http.Header
	// Body is the made-up answer's body.
	Body string
	// BodyDelay makes the body slow: each Read waits this long, or until
	// the request's context ends, before it returns at most BodyChunk bytes.
	BodyDelay time.Duration
	// BodyChunk is the most bytes a slow body's Read returns, 512 when 0.
	BodyChunk int
	// BodyErr, if not nil, is what Read returns after the body's last byte
	// instead of io.EOF: a connection reset while the body was read, say.
	BodyErr error
}

// defaultChunk is a slow body's chunk when BodyChunk is 0.
const defaultChunk = 512
