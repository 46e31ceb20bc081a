package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// DefaultDrainLimit is how many bytes of a discarded response's body a
// [Transport] reads before closing it, so that its connection can be
// reused; see [WithDrainLimit].
const DefaultDrainLimit = 64 << 10

// HeaderIdempotencyKey is the header that marks a request as safe to
// retry whatever its method: the server deduplicates requests carrying the
// same key (the IETF draft "The Idempotency-Key HTTP Header Field").
const HeaderIdempotencyKey = "Idempotency-Key"

// Transport returns an [http.RoundTripper] that retries requests through
// base under p: it retries transport errors and responses whose status is
// retryable (429, 502, 503 and 504 unless [WithRetryStatus] says
// otherwise), with p's backoff, caps, budget, classification of errors and
// hooks, and honours the server's Retry-After.
//
// What it retries:
//
//   - Only idempotent requests: GET, HEAD, OPTIONS, TRACE, PUT and DELETE,
//     and any request carrying an [HeaderIdempotencyKey] header;
//     [WithAllMethods] opts every method in. Other requests (a POST
//     without a key) go to base once, untouched.
//   - Only requests whose body it can send again: a request with a body
//     and no Request.GetBody (which [http.NewRequest] sets for the common
//     readers) goes to base once. Each retry sends a fresh body from
//     GetBody.
//   - A 409 Conflict answered to a request with an Idempotency-Key (the
//     server is still working on that key) is retried, after its
//     Retry-After, whatever [WithRetryStatus] says.
//
// How it waits: a Retry-After header, in seconds or as an HTTP date, sets
// the delay in place of the backoff; so does an error of base that
// implements [RetryAfterer] (a circuit breaker's rejection that says when
// its next probe goes). A hint longer than [WithMaxRetryAfter] (30s by
// default) ends the retries at once, with [ErrOutOfTime]: retrying before
// the server (or the breaker) is ready would be refused again, and waiting
// longer than the cap is what the cap forbids. (A [Policy] used through
// [Policy.Do] waits the cap instead.) It never waits past the request
// context's deadline either: when the next attempt could not start before
// it, it stops at once. Each retry takes one from p's
// [Budget], if it has one; each request deposits into it.
//
// What it returns: the first response that is not retried, as is. When it
// stops retrying a retryable status (attempts, time or budget run out, or
// the context ends), it returns that last response with its body unread,
// as a plain client would, not an error. When it stops after a transport
// error, or when the context ends while it waits, it returns an [*Error]
// (the attempts, the last error, why it stopped). A response it does retry
// is discarded: it reads up to [DefaultDrainLimit] bytes of its body
// ([WithDrainLimit]) and closes it, so that the connection goes back to
// the pool.
//
// With [WithAttemptTimeout], each attempt gets its own child context; the
// timeout covers the whole attempt, the reading of the returned response's
// body included, as [http.Client.Timeout] does, and is released when the
// body is closed.
//
// It never modifies the caller's request: the first attempt sends it as
// is, later ones a shallow copy with a fresh body.
//
// Compose it outermost: retry.Transport over breaker.Transport over
// deadline.Transport over the network, so that each attempt passes the
// breaker and carries its own remaining budget (see the package doc).
//
// A nil base means [http.DefaultTransport]; a nil p is an error.
// CloseIdleConnections is passed on to base when base has it.
//
// Cost: on a request whose first attempt succeeds, a few tens of
// nanoseconds and no allocation (a budget adds its deposit, an attempt
// timeout a context and a body wrapper). A retry allocates its
// [*StatusError], the request copy and a timer.
func Transport(base http.RoundTripper, p *Policy, opts ...TransportOption) (http.RoundTripper, error) {
	if p == nil {
		return nil, errors.New("retry: Transport: nil Policy")
	}
	t := &transport{base: base, c: p.c, drain: DefaultDrainLimit}
	t.c.hintStops = true
	// WithClock does not apply here: the waits, the attempt timeout and
	// the Retry-After dates are on package time, so the elapsed time and
	// the deadline checks must be too.
	t.c.clock = nil
	for _, code := range defaultRetryStatus {
		t.status.set(code)
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("retry: Transport: nil TransportOption")
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

// defaultRetryStatus are the statuses retried by default.
var defaultRetryStatus = []int{
	http.StatusTooManyRequests,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

// A TransportOption configures [Transport].
type TransportOption interface {
	applyTransport(*transport) error
}

type transportOptionFunc func(*transport) error

func (f transportOptionFunc) applyTransport(t *transport) error { return f(t) }

// WithRetryStatus sets the response statuses a [Transport] retries, in
// place of the default 429, 502, 503 and 504; with none, it retries
// transport errors only. A 409 answered to a request with an
// Idempotency-Key is retried whatever this list says. Each code must be
// in [100, 599].
func WithRetryStatus(codes ...int) TransportOption {
	return transportOptionFunc(func(t *transport) error {
		t.status = statusSet{}
		for _, code := range codes {
			if code < 100 || code > 599 {
				return fmt.Errorf("retry: WithRetryStatus: status must be in [100, 599], got %d", code)
			}
			t.status.set(code)
		}
		return nil
	})
}

// WithAllMethods makes a [Transport] retry requests of every method, POST
// and PATCH without an Idempotency-Key included. Use it only when the
// server deduplicates them some other way: a retry of a request whose
// answer was lost does the work twice.
func WithAllMethods() TransportOption {
	return transportOptionFunc(func(t *transport) error {
		t.allMethods = true
		return nil
	})
}

// WithDrainLimit sets how many bytes of a discarded response's body a
// [Transport] reads before closing it (default [DefaultDrainLimit]). A
// body read to its end lets the connection be reused; a longer one is
// closed unread beyond n bytes, and its connection with it. n must be
// >= 0; 0 closes discarded bodies without reading them.
func WithDrainLimit(n int64) TransportOption {
	return transportOptionFunc(func(t *transport) error {
		if n < 0 {
			return fmt.Errorf("retry: WithDrainLimit: limit must be >= 0, got %d", n)
		}
		t.drain = n
		return nil
	})
}

type transport struct {
	base       http.RoundTripper
	c          config // p's, with hintStops
	status     statusSet
	allMethods bool
	drain      int64
}

// statusSet is a set of status codes, [100, 599], as bits.
type statusSet [10]uint64

func (s *statusSet) set(code int) { s[code/64] |= 1 << (code % 64) }
func (s *statusSet) has(code int) bool {
	return code >= 0 && code < 640 && s[code/64]&(1<<(code%64)) != 0
}

// RoundTrip implements [http.RoundTripper]. With an observer, each
// attempt's request carries the context the observer returns; unset, that
// costs a nil check per step.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.retryable(req) {
		return t.base.RoundTrip(req)
	}
	ctx, c, o := req.Context(), &t.c, t.c.observer
	var s state
	if c.budget != nil || c.maxElapsed > 0 {
		s.begin(c)
	}
	r, delay := req, time.Duration(0)
	for {
		n, ar := s.attempts+1, r
		if o != nil {
			ar = r.WithContext(o.Attempt(ctx, n, delay))
		}
		resp, err := t.attempt(ar)
		if err == nil && t.retryStatus(req, resp.StatusCode) {
			err = newStatusError(resp, time.Now())
		}
		if o != nil {
			o.AttemptDone(ar.Context(), n, err)
		}
		if err == nil {
			return t.done(ctx, n, resp, nil)
		}
		d, final := s.plan(ctx, c, err)
		if final == nil {
			var rerr error
			if r, rerr = rewind(req); rerr != nil {
				final = s.fail(fmt.Errorf("%w; %w", err, rerr), nil)
			}
		}
		if final != nil {
			if resp != nil {
				return t.done(ctx, s.attempts, resp, nil)
			}
			return t.done(ctx, s.attempts, nil, final)
		}
		if resp != nil {
			t.discard(resp)
		}
		if cause := sleep(ctx, d); cause != nil {
			closeBody(r)
			return t.done(ctx, s.attempts, nil, s.fail(err, cause))
		}
		delay = d
	}
}

// done ends a call: it tells the observer, if any, and returns resp and
// err.
func (t *transport) done(ctx context.Context, attempts int, resp *http.Response, err error) (*http.Response, error) {
	if t.c.observer != nil {
		t.c.observer.Done(ctx, attempts, err)
	}
	return resp, err
}

// CloseIdleConnections calls base's CloseIdleConnections, if it has one.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// retryable reports whether req may be sent more than once: its method is
// idempotent or it carries a key (or every method is opted in), and its
// body, if any, can be sent again.
func (t *transport) retryable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	if t.allMethods {
		return true
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return hasKey(req)
}

// retryStatus reports whether a response with status code to req is
// retried.
func (t *transport) retryStatus(req *http.Request, code int) bool {
	if code == http.StatusConflict && hasKey(req) {
		return true
	}
	return t.status.has(code)
}

// hasKey reports whether req carries a non-empty Idempotency-Key.
func hasKey(req *http.Request) bool {
	v := req.Header[HeaderIdempotencyKey]
	return len(v) > 0 && v[0] != ""
}

// attempt sends r through base, within its own timeout if the policy sets
// one; the timeout is released when the response body is closed.
func (t *transport) attempt(r *http.Request) (*http.Response, error) {
	if t.c.attemptTimeout <= 0 {
		return t.base.RoundTrip(r)
	}
	ctx, cancel := context.WithTimeout(r.Context(), t.c.attemptTimeout)
	resp, err := t.base.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody releases an attempt's timeout when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// rewind returns the request of the next attempt: req itself when it has
// no body, else a shallow copy with a fresh body from GetBody.
func rewind(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("retry: Transport: Request.GetBody: %w", err)
	}
	r := new(http.Request)
	*r = *req
	r.Body = body
	return r, nil
}

// closeBody closes the body of an attempt that will not be sent.
func closeBody(r *http.Request) {
	if r.Body != nil {
		r.Body.Close()
	}
}

// discard reads up to the drain limit of resp's body and closes it.
func (t *transport) discard(resp *http.Response) {
	if resp.Body == nil { // a base breaking the RoundTripper contract
		return
	}
	if t.drain > 0 {
		io.CopyN(io.Discard, resp.Body, t.drain) //nolint:errcheck // the response is discarded
	}
	resp.Body.Close()
}
