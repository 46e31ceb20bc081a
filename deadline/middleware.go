package deadline

import (
	"context"
	"net/http"
	"time"
)

// Middleware returns HTTP server middleware that gives every request an
// explicit budget. It reads the caller's remaining budget from the request
// headers ([HeaderTimeout], and [HeaderGRPCTimeout] unless turned off with
// [WithGRPCTimeout]; the smaller wins when both are present), grants
// [DefaultTimeout] when there is none ([WithDefaultTimeout]), caps the
// result with the server's own maximum ([WithMaxTimeout]), and serves the
// request with a context that expires when the budget runs out. The expiry
// cause is a [*TimeoutError] named [DefaultLayer] ([WithLayer]). An earlier
// deadline already on the request context still applies.
//
// A header that is present but invalid (malformed, negative, overlong, with
// an unknown unit, or repeated) is treated as absent, or answered with 400
// Bad Request under [WithRejectInvalid]. Either way the budget is never
// negative and never above the maximum. A budget of 0 ("the caller has no
// time left") is honoured: the handler runs with a context already done.
//
// The middleware only sets the deadline; the handler must honour its
// context. Combine it with [http.TimeoutHandler] to also answer a request
// whose handler overruns.
//
// Cost: parsing the headers does not allocate. Per request the middleware
// allocates what context.WithTimeoutCause and [http.Request.WithContext]
// allocate, plus the cause when the budget came from a header: five or six
// allocations. Under a server's request context, which has no children yet,
// WithTimeoutCause also gives that context a done channel and a children
// map: eight or nine allocations (see bench_test.go).
func Middleware(opts ...MiddlewareOption) (func(http.Handler) http.Handler, error) {
	c, err := newConfig(opts, MiddlewareOption.applyMiddleware)
	if err != nil {
		return nil, err
	}
	m := &middleware{config: *c}
	m.def = min(m.def, m.max)
	m.defCause = &TimeoutError{Layer: m.layer, Timeout: m.def}
	m.maxCause = &TimeoutError{Layer: m.layer, Timeout: m.max}
	return m.wrap, nil
}

type middleware struct {
	config
	defCause *TimeoutError // for the common budgets, allocated once
	maxCause *TimeoutError
}

func (m *middleware) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := m.budget(r.Header)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ctx, cancel := m.timeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// budget returns the budget to grant a request with headers h: always in
// [0, max]. It returns an error only under the reject policy.
func (m *middleware) budget(h http.Header) (time.Duration, error) {
	d, found := m.def, false
	for _, src := range [...]struct {
		key   string
		on    bool
		parse func(string) (time.Duration, error)
	}{
		{m.header, true, parseMillis},
		{HeaderGRPCTimeout, m.grpcRead, ParseGRPCTimeout},
	} {
		if !src.on {
			continue
		}
		v, present, err := lookup(h, src.key, src.parse)
		switch {
		case !present:
		case err != nil && m.reject:
			reason, _ := err.(headerError)
			return 0, &rejectError{header: src.key, reason: reason}
		case err != nil:
		case !found || v < d:
			d, found = v, true
		}
	}
	return min(d, m.max), nil
}

// lookup parses the value of header key: present reports whether h has it.
// A repeated header is an error: its budgets could disagree.
func lookup(h http.Header, key string, parse func(string) (time.Duration, error)) (d time.Duration, present bool, err error) {
	vs, ok := h[key]
	if !ok {
		return 0, false, nil
	}
	if len(vs) != 1 {
		return 0, true, errRepeated
	}
	d, err = parse(vs[0])
	return d, true, err
}

func (m *middleware) cause(d time.Duration) error {
	switch d {
	case m.def:
		return m.defCause
	case m.max:
		return m.maxCause
	}
	return &TimeoutError{Layer: m.layer, Timeout: d}
}

// rejectError is the body of a 400 answer.
type rejectError struct {
	header string
	reason headerError
}

func (e *rejectError) Error() string {
	return "deadline: bad " + e.header + " header: " + string(e.reason)
}

func (e *rejectError) Unwrap() error { return ErrInvalidTimeout }

// timeout gives ctx the budget d, on the configured clock.
func (m *middleware) timeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return withDeadline(ctx, m.clock, now(m.clock).Add(d), m.cause(d))
}
