package faultinject

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
)

// Transport is an [http.RoundTripper] that gives each request a [Fault]:
// from the script of [WithScript], then by the chances of [WithChance],
// else none (the request goes to the base transport unchanged). It records
// every request and what became of its response ([Transport.Calls]).
//
// A Transport is safe for concurrent use. It reads each request's body
// whole, to record it, and closes it; a request that goes to the base
// transport gets a copy with the same bytes. Every response body it
// returns, except that of a 101 Switching Protocols, is wrapped to record
// how it is read.
type Transport struct {
	base    http.RoundTripper
	script  []Fault
	chances []chance

	mu    sync.Mutex
	rng   *rand.Rand
	calls []Call
}

var _ http.RoundTripper = (*Transport)(nil)

// New returns a Transport over base with the options applied, or the first
// option's error. A nil base means [http.DefaultTransport]; a Transport
// whose faults answer every request (each one has an Err or a Status)
// never calls it, and makes no network call.
func New(base http.RoundTripper, opts ...Option) (*Transport, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{
		base:    base,
		script:  c.script,
		chances: c.chances,
		rng:     rand.New(rand.NewPCG(c.seed, c.seed)),
	}, nil
}

// RoundTrip implements [http.RoundTripper]: it applies the request's fault
// (see [Fault]) and records the call.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	reqBody, err := readBody(req)
	if err != nil {
		return nil, err
	}
	f, i := t.begin(req, reqBody)
	resp, err := t.answer(req, reqBody, f)
	if err != nil {
		t.update(i, func(c *Call) { c.Err = err })
		return nil, err
	}
	t.update(i, func(c *Call) { c.Status = resp.StatusCode })
	if resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body = t.wrap(req, resp.Body, f, i)
	}
	return resp, nil
}

// Calls returns a copy of the records of the requests made so far, in the
// order they reached the Transport.
func (t *Transport) Calls() []Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Call(nil), t.calls...)
}

// begin picks the fault of req and records the call, returning its index.
func (t *Transport) begin(req *http.Request, reqBody []byte) (Fault, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.pick(len(t.calls))
	t.calls = append(t.calls, Call{
		Method: req.Method,
		URL:    req.URL.String(),
		Header: req.Header.Clone(),
		Body:   reqBody,
		Fault:  f,
	})
	return f, len(t.calls) - 1
}

// pick returns the fault of the request numbered n (from 0). t.mu is held.
func (t *Transport) pick(n int) Fault {
	if n < len(t.script) {
		return t.script[n]
	}
	if len(t.chances) == 0 {
		return Fault{}
	}
	u := t.rng.Float64()
	for _, c := range t.chances {
		if u < c.p {
			return c.f
		}
		u -= c.p
	}
	return Fault{}
}

// update changes the record of call i under the lock.
func (t *Transport) update(i int, f func(*Call)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f(&t.calls[i])
}

// answer applies f's latency, error and answer to req.
func (t *Transport) answer(req *http.Request, reqBody []byte, f Fault) (*http.Response, error) {
	if err := wait(req.Context(), f.Latency); err != nil {
		return nil, err
	}
	switch {
	case f.Err != nil:
		return nil, f.Err
	case f.Status != 0:
		return madeUp(req, f), nil
	}
	out := req
	if reqBody != nil {
		out = new(http.Request)
		*out = *req
		out.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	return t.base.RoundTrip(out)
}

// wrap returns r wrapped to record its reads and close, and to read slowly
// or break off as f says.
func (t *Transport) wrap(req *http.Request, r io.ReadCloser, f Fault, i int) io.ReadCloser {
	if r == nil {
		r = http.NoBody
	}
	b := &body{t: t, call: i, ctx: req.Context(), r: r, delay: f.BodyDelay, chunk: f.BodyChunk, err: f.BodyErr}
	if b.chunk == 0 {
		b.chunk = defaultChunk
	}
	return b
}

// madeUp returns the answer of f to req.
func madeUp(req *http.Request, f Fault) *http.Response {
	h := f.Header.Clone()
	if h == nil {
		h = make(http.Header)
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status)),
		StatusCode:    f.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(strings.NewReader(f.Body)),
		ContentLength: int64(len(f.Body)),
		Request:       req,
	}
}

// readBody reads and closes req's body; nil when it has none.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("faultinject: reading the request body: %w", err)
	}
	return b, nil
}
