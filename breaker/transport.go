package breaker

import (
	"errors"
	"net/http"
)

// Transport returns an [http.RoundTripper] that sends each request through
// base only if b lets it through, and records its outcome in b.
//
// While b rejects calls (open, or half-open with every probe place taken),
// RoundTrip returns b's [*OpenError], which matches [ErrOpen] and says
// when the next probe goes, without calling base: nothing reaches the
// network. A request whose context has already ended gets the context's
// error, and nothing is recorded, as with [Breaker.Do].
//
// Outcomes: an error of base is classified by b itself ([WithIsFailure],
// [WithIsIgnored]: by default a failure, except [context.Canceled], which
// is ignored). A response is classified by [DefaultClassifier] unless
// [WithClassifier] gives another: a 5xx is a failure, a 429 is ignored
// (the server is up and limiting this client: that is no reason to stop
// every caller, nor a sign of health that should close a half-open
// breaker), and any other status a success. The outcome is recorded when
// the response arrives, before RoundTrip returns: a body that takes long
// to read does not hold a probe's place or keep the breaker waiting, and
// [WithSlowCall] times the call up to the response's headers.
//
// Compose it under retry.Transport and over deadline.Transport (see the
// package doc), so that every attempt passes the breaker and a rejection
// makes the retry wait for the next probe.
//
// A nil base means [http.DefaultTransport]; a nil b is an error.
// CloseIdleConnections is passed on to base when base has it.
//
// Cost: what [Breaker.Allow] costs, a few nanoseconds in the closed state,
// with no allocation; a rejection in the open state allocates its error.
func Transport(base http.RoundTripper, b *Breaker, opts ...TransportOption) (http.RoundTripper, error) {
	if b == nil {
		return nil, errors.New("breaker: Transport: nil Breaker")
	}
	t := &transport{base: base, b: b, classify: DefaultClassifier}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("breaker: Transport: nil TransportOption")
		}
		if err := o.applyTransport(t); err != nil {
			return nil, err
		}
	}
	if t.base == nil {
		t.base = http.DefaultTransport
	}
	return t, nil
}

// A TransportOption configures [Transport].
type TransportOption interface {
	applyTransport(*transport) error
}

type transportOptionFunc func(*transport) error

func (f transportOptionFunc) applyTransport(t *transport) error { return f(t) }

// WithClassifier sets how a [Transport] classifies a response, in place
// of [DefaultClassifier]. f runs on the caller's goroutine once per
// response, before RoundTrip returns; it must not read the body. To make
// a 429 a failure, for example:
//
//	breaker.WithClassifier(func(resp *http.Response) breaker.Outcome {
//		if resp.StatusCode == http.StatusTooManyRequests {
//			return breaker.Failure
//		}
//		return breaker.DefaultClassifier(resp)
//	})
func WithClassifier(f func(resp *http.Response) Outcome) TransportOption {
	return transportOptionFunc(func(t *transport) error {
		if f == nil {
			return errors.New("breaker: WithClassifier: nil func")
		}
		t.classify = f
		return nil
	})
}

// DefaultClassifier is the classifier of a [Transport]: a 5xx status is a
// [Failure], 429 Too Many Requests is [Ignored], and any other status a
// [Success] (a 404 or a 400 is about the request, not the server).
func DefaultClassifier(resp *http.Response) Outcome {
	switch {
	case resp.StatusCode >= 500:
		return Failure
	case resp.StatusCode == http.StatusTooManyRequests:
		return Ignored
	}
	return Success
}

type transport struct {
	base     http.RoundTripper
	b        *Breaker
	classify func(*http.Response) Outcome
}

// RoundTrip implements [http.RoundTripper].
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		closeBody(req)
		return nil, err
	}
	g, start, err := t.b.admit()
	if err != nil {
		t.b.observeReject(req.Context(), err)
		closeBody(req)
		return nil, err
	}
	ended := false
	defer t.b.recordPanic(g, start, &ended) // base or the classifier panicked
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		ended = true
		t.b.finish(g, start, err)
		return nil, err
	}
	m := t.classify(resp).mark()
	ended = true
	if m == markCall {
		t.b.finish(g, start, nil)
	} else {
		t.b.record(g, start, m)
	}
	return resp, nil
}

// CloseIdleConnections calls base's CloseIdleConnections, if it has one.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// closeBody closes the body of a request that will not be sent, as a
// RoundTripper must.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
