// Package faultinject is an [net/http.RoundTripper] that injects faults,
// for testing HTTP clients: the retries, breakers and timeouts wrapped
// around them, and the code that reads what they return.
//
// # The pattern
//
// A client's handling of failure is code like any other, and the failures
// it handles are hard to produce on demand from a real server: a 503 on
// the second request only, a connection reset, a response whose body
// trickles in, a server that answers after two seconds. [Transport] makes
// them on demand. Put it where the network would be, under the transports
// being tested:
//
//	ft, err := faultinject.New(nil, faultinject.WithScript(
//		faultinject.Fault{Status: 503, Header: http.Header{"Retry-After": {"2"}}},
//		faultinject.Fault{Err: faultinject.ErrConnReset},
//		faultinject.Fault{Status: 200, Body: "ok"},
//	))
//	client := &http.Client{Transport: myRetryingTransport(ft)}
//
// A [Fault] is one request's fate: a latency before anything happens, then
// an error ([ErrConnReset] for a connection reset), or an answer made up
// with a status, headers and a body, or the request passed on to the base
// transport; and a body that is slow to read ([Fault.BodyDelay]) or that
// breaks off with an error ([Fault.BodyErr]). [WithScript] gives the
// faults of the first requests, in order; [WithChance] gives a fault a
// probability for each later request, drawn from a seeded generator
// ([WithSeed]), so that a run can be replayed. What neither gives goes to
// the base transport.
//
// Every request is recorded ([Transport.Requests]): its method, URL,
// headers and body, so that a test can check what was sent on each attempt.
//
// # Time
//
// Latencies and slow bodies wait on real timers that honour the request's
// context. Under [testing/synctest] the timers run on the bubble's fake
// clock, so that a test of delays and timeouts runs at once and to the
// nanosecond; a Transport that answers every request itself makes no
// network call, which a synctest bubble requires. Requests made one after
// another get the same faults on every run; requests made concurrently get
// them in the order they reach the Transport.
//
// # When not to use it
//
// It is a test tool. It reads every request body into memory to record it,
// and it does not model a real connection: connection reuse, TLS and
// HTTP/2 need a real server (net/http/httptest), with the faults made in
// its handler.
//
// # Cost
//
// A Transport serializes requests on one mutex while it picks a fault and
// records the request, and allocates a made-up response per request; it is
// meant for tests, not for production traffic.
package faultinject
