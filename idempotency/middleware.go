package idempotency

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Middleware returns HTTP server middleware that makes POST and PATCH
// requests carrying an Idempotency-Key header ([HeaderKey]) run their
// handler once per key, following the IETF draft "The Idempotency-Key
// HTTP Header Field" (draft-ietf-httpapi-idempotency-key-header), with g
// keeping the records (share a Group on an idempotency/redis Store between
// replicas).
//
// For a request with a key, the middleware reads the body (up to
// [WithMaxBodyBytes]; the handler still reads all of it), fingerprints the
// request ([DefaultFingerprint]: method, path, query and body), and then:
//
//   - the first request with the key runs the handler, whose response goes
//     to the client as it is written, and is recorded: status, headers (as
//     they were when the status was written) and body;
//   - a repeat with the same fingerprint gets the recorded response again,
//     exactly, with the header Idempotent-Replayed: true ([HeaderReplayed]),
//     without running the handler;
//   - a repeat with another fingerprint gets 422 Unprocessable Content;
//   - a request while the key's first request is still running gets 409
//     Conflict with Retry-After ([WithRetryAfter]); the middleware never
//     waits, whatever the Group's [WithInProgress];
//   - a malformed key, or a missing one under [WithKeyRequired], gets 400
//     Bad Request; a body over the bound gets 413 Content Too Large.
//
// Every error answer has an RFC 9457 problem details body
// (application/problem+json). Requests with other methods ([WithMethods])
// or without a key pass straight to the handler.
//
// A response whose body is larger than [WithMaxResponseBytes] reaches its
// client whole, but is not recorded: a replay is never truncated. The key
// is recorded as done with the response's status only, and a repeat is
// answered with 410 Gone, a problem body giving the original status in
// "original_status", and Idempotent-Replayed: true: the operation ran and
// must not run again, and its response cannot be given again. Use a new
// key to repeat the operation on purpose, or raise the bound.
//
// A 5xx response is recorded and replayed like any other by default;
// [WithServerErrors] can make it release the key instead, so that a retry
// runs the handler again. A handler that panics releases the key (the
// panic goes on to net/http). Trailers and 1xx responses are not recorded.
//
// The handler's request context carries the fencing token ([Token]) and is
// cancelled if the lease is lost. Keys are scoped by [WithScope]: set it
// wherever more than one client calls the endpoint. If the Store fails
// before the handler runs, the request gets 503 Service Unavailable (or
// runs without dedupe under the Group's [WithFailOpen]); a failure to
// record after the handler responded is reported to [WithOnError].
//
// Of the Group's options, the Store, lease, ttl and [WithFailOpen] apply;
// its codec and [WithFinal] do not (responses are recorded in the
// middleware's own format, and a response is an outcome, never an error),
// nor does [WithInProgress] (see above).
//
// Cost: reading and hashing the body, and per request with a key one Store
// call to acquire and one to complete, or one to replay; see
// bench_test.go for the figures.
func Middleware(g *Group, opts ...MiddlewareOption) (func(http.Handler) http.Handler, error) {
	if g == nil {
		return nil, errNilGroup
	}
	c, err := newMWConfig(opts)
	if err != nil {
		return nil, err
	}
	m := &middleware{g: g, mwConfig: *c}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.serve(w, r, next)
		})
	}, nil
}

type middleware struct {
	g *Group
	mwConfig
}

func (m *middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if !m.methods[r.Method] {
		next.ServeHTTP(w, r)
		return
	}
	vs := r.Header[HeaderKey]
	if len(vs) == 0 && !m.required {
		next.ServeHTTP(w, r)
		return
	}
	key, ok := m.key(w, vs)
	if !ok {
		return
	}
	body, ok := m.readBody(w, r)
	if !ok {
		return
	}
	fp := m.fingerprint(r, body)
	scoped := scopedKey(m.scope(r), key)
	if err := checkArgs(r.Context(), m.g, scoped, fp, false); err != nil {
		m.onError(r, err)
		writeProblem(w, http.StatusInternalServerError, "The server could not derive a record key or fingerprint for this request.")
		return
	}
	ran := false
	rec, replayed, err := m.g.do(r.Context(), scoped, fp, Reject, func(ctx context.Context) ([]byte, error) {
		ran = true
		rw := newRecorder(w, m.maxResponse)
		hr := r.WithContext(ctx)
		hr.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(rw, hr)
		rw.finish()
		if rw.status >= 500 && m.serverErrs == ReleaseServerErrors {
			return nil, nil
		}
		return rw.encode(), nil
	})
	switch {
	case replayed:
		m.replay(w, r, rec)
	case ran:
		if err != nil {
			m.onError(r, err)
		}
	default:
		m.refuse(w, r, err)
	}
}

// key returns the key in vs, the request's Idempotency-Key header
// values, or answers the request with 400 and returns false.
func (m *middleware) key(w http.ResponseWriter, vs []string) (string, bool) {
	var detail string
	switch len(vs) {
	case 0:
		detail = "This operation requires an Idempotency-Key header."
	case 1:
		key, err := ParseKey(vs[0])
		if err == nil {
			return key, true
		}
		detail = "The Idempotency-Key header is malformed: " + err.Error() + "."
	default:
		detail = "The request has more than one Idempotency-Key header."
	}
	writeProblem(w, http.StatusBadRequest, detail)
	return "", false
}

// readBody reads the request body for the fingerprint, answering 413 or
// 400 itself (and returning false) when it is too large or unreadable.
func (m *middleware) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	defer r.Body.Close()
	body, err := io.ReadAll(io.LimitReader(r.Body, m.maxBody+1))
	switch {
	case err != nil:
		writeProblem(w, http.StatusBadRequest, "The request body could not be read.")
		return nil, false
	case int64(len(body)) > m.maxBody:
		writeProblem(w, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("A request with an Idempotency-Key may have a body of at most %d bytes.", m.maxBody))
		return nil, false
	}
	return body, true
}

// scopedKey returns the record key of key in scope; the length prefix
// keeps ("a:", "b") and ("a", ":b") apart.
func scopedKey(scope, key string) string {
	return "http:" + strconv.Itoa(len(scope)) + ":" + scope + ":" + key
}

// refuse answers a request whose handler did not run because of err.
func (m *middleware) refuse(w http.ResponseWriter, r *http.Request, err error) {
	var ipe *InProgressError
	switch {
	case errors.Is(err, ErrKeyReused):
		writeProblem(w, http.StatusUnprocessableEntity,
			"This Idempotency-Key was used with a different request; use a new key for a new request.")
	case errors.As(err, &ipe) && ipe.Err == nil:
		secs := (m.retryAfter + 999_999_999) / 1_000_000_000
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
		writeProblem(w, http.StatusConflict, "A request with this Idempotency-Key is still being processed; retry later.")
	case r.Context().Err() != nil:
		// The client is gone: nothing to answer.
	default:
		m.onError(r, err)
		writeProblem(w, http.StatusServiceUnavailable, "The idempotency record store is unavailable; retry later.")
	}
}

// replay writes a recorded response.
func (m *middleware) replay(w http.ResponseWriter, r *http.Request, rec []byte) {
	resp, err := decodeResponse(rec)
	if err != nil {
		m.onError(r, err)
		writeProblem(w, http.StatusInternalServerError, "The recorded response for this Idempotency-Key cannot be read.")
		return
	}
	h := w.Header()
	h.Set(HeaderReplayed, "true")
	if resp.oversize {
		writeProblemBody(w, problem{
			Status:         http.StatusGone,
			OriginalStatus: resp.status,
			Detail: fmt.Sprintf("The request with this Idempotency-Key was processed (status %d), but its response "+
				"(%d bytes) was too large to be recorded; use a new key to repeat the operation.", resp.status, resp.size),
		})
		return
	}
	for k, vs := range resp.header {
		h[k] = vs
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}
