package deadline

import (
	"math"
	"net/http"
	"time"
	"unsafe"
)

// Transport returns an [http.RoundTripper] that propagates the budget of
// each request's context downstream. On a request whose context has a
// deadline, it writes the remaining budget, less the network allowance
// ([DefaultNetworkAllowance], [WithNetworkAllowance]), in [HeaderTimeout]
// (truncated to whole milliseconds; [WithHeader] renames it) and, under
// [WithGRPCTimeout], in [HeaderGRPCTimeout]; these replace any value the
// caller set. When that budget is under one millisecond, the request is
// spent: Transport closes its body and returns an [*InsufficientBudgetError]
// without calling base, so nothing reaches the network. A request whose
// context has no deadline is passed to base unchanged.
//
// The caller's request is never modified: base gets a copy with its own
// header map, which shares the caller's header values with their capacity
// capped, so that adding to them copies first.
//
// A nil base means [http.DefaultTransport]. CloseIdleConnections is passed
// on to base when base has it.
//
// Cost: a request without a deadline costs nothing. One with a deadline
// and up to six headers costs three allocations, about 800 bytes: the
// request copy, holding the new header values, in one, and the header map
// in two, the least a Go map with entries takes (from seven headers the map
// outgrows one group of eight and takes four). The contract forbids reusing
// the caller's map.
func Transport(base http.RoundTripper, opts ...TransportOption) (http.RoundTripper, error) {
	c, err := newConfig(opts, TransportOption.applyTransport)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = http.DefaultTransport
	}
	need := c.allowance + time.Millisecond
	if need < c.allowance {
		need = math.MaxInt64 // no budget is enough
	}
	return &transport{base: base, header: c.header, grpc: c.grpcWrite, allowance: c.allowance, need: need, clock: c.clock}, nil
}

type transport struct {
	base      http.RoundTripper
	header    string
	grpc      bool
	allowance time.Duration
	need      time.Duration // the least budget sent: allowance + 1ms, saturated
	clock     Clock         // nil: package time
}

// RoundTrip implements [http.RoundTripper].
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	dl, ok := req.Context().Deadline()
	if !ok {
		return t.base.RoundTrip(req)
	}
	// Compare before subtracting: a deadline long past makes rem the
	// smallest Duration, and rem - allowance would wrap to a huge budget.
	rem := dl.Sub(now(t.clock))
	if rem < t.need {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &InsufficientBudgetError{Remaining: max(rem, 0), Required: t.need}
	}
	return t.base.RoundTrip(t.withBudget(req, rem-t.allowance))
}

// CloseIdleConnections calls base's CloseIdleConnections, if it has one.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// outgoing is a request copy with room for its budget headers: one
// allocation instead of four. Each is allocated by one call of withBudget
// and never reused or pooled: the header strings point into its buf (see
// bytesString).
type outgoing struct {
	req  http.Request
	vals [2]string
	buf  [24]byte // 8 digits, then 8 digits and a unit
}

// withBudget returns a copy of req carrying budget in its headers.
func (t *transport) withBudget(req *http.Request, budget time.Duration) *http.Request {
	o := &outgoing{req: *req}
	// The map cannot come from a pool either. Nothing says when base is done
	// with it: net/http writes a request concurrently with reading its
	// response and can return the response (a server may answer before
	// reading the request) while that write is under way, and resp.Request
	// keeps the map reachable for as long as the caller keeps the response.
	h := make(http.Header, len(req.Header)+2)
	for k, v := range req.Header {
		h[k] = v[:len(v):len(v)]
	}
	ms := appendMillis(o.buf[:0], budget)
	o.vals[0] = bytesString(ms)
	h[t.header] = o.vals[0:1:1]
	if t.grpc {
		g := AppendGRPCTimeout(o.buf[len(ms):len(ms)], budget)
		o.vals[1] = bytesString(g)
		h[HeaderGRPCTimeout] = o.vals[1:2:2]
	}
	o.req.Header = h
	return &o.req
}

// bytesString returns b as a string without copying it, which saves one
// allocation per request (two with the gRPC header): 3 instead of 4 or 5.
// A string's bytes must never change, and here they cannot:
//   - b is in the buf of an outgoing that withBudget has just allocated for
//     this request alone; an outgoing is never reused, so no later request
//     writes there;
//   - each string is made after its bytes are written, and the only later
//     write, the gRPC value, goes after them in buf, never over them;
//   - buf is unexported and nothing else slices it: code that gets the
//     request (base, and whatever it passes it to) can replace the header
//     strings, not write their bytes;
//   - the strings point into the outgoing, which the garbage collector keeps
//     alive while any of them is, as for any interior pointer.
//
// TestTransportHeaderValuesStay and TestTransportConcurrentBudgets fail if
// a change breaks the first two points (a pooled outgoing, a shared buffer).
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
