package idempotency

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/http"
)

// recorder passes a handler's response through to the client while
// keeping a copy of its status, its headers (as they were when the status
// was written) and its body, up to max bytes of body.
type recorder struct {
	w        http.ResponseWriter
	max      int
	status   int
	header   http.Header
	body     bytes.Buffer
	size     int  // body bytes written, recorded or not
	overflow bool // the body passed max: not recorded
}

func newRecorder(w http.ResponseWriter, max int) *recorder {
	return &recorder{w: w, max: max}
}

// Header returns the header map of the response being written.
func (r *recorder) Header() http.Header { return r.w.Header() }

// WriteHeader records the status and a copy of the headers, and writes
// them. Informational (1xx) statuses pass through unrecorded.
func (r *recorder) WriteHeader(code int) {
	if r.status != 0 {
		r.w.WriteHeader(code) // superfluous: let net/http report it
		return
	}
	if code >= 100 && code < 200 {
		r.w.WriteHeader(code)
		return
	}
	r.status = code
	r.header = r.w.Header().Clone()
	r.w.WriteHeader(code)
}

// Write records p, unless the body has passed its bound, and writes it.
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.size += len(p)
	if !r.overflow {
		if r.size > r.max {
			r.overflow = true
			r.body = bytes.Buffer{} // drop it: never a truncated replay
		} else {
			r.body.Write(p)
		}
	}
	return r.w.Write(p)
}

// Flush flushes the response, if the underlying writer can.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(r.w).Flush()
}

// Unwrap returns the underlying writer, for [http.ResponseController].
func (r *recorder) Unwrap() http.ResponseWriter { return r.w }

// finish records the implicit 200 of a handler that wrote nothing.
func (r *recorder) finish() {
	if r.status == 0 {
		r.status = http.StatusOK
		r.header = r.w.Header().Clone()
	}
}

// A recorded response is encoded as
//
//	byte     format version (respVersion)
//	byte     respFull, or respOversize (status only: the body passed the bound)
//	uvarint  status
//	uvarint  number of header fields, then for each: the name, the number
//	         of values, each value (strings as uvarint length and bytes)
//	rest     the body
const (
	respVersion  byte = 1
	respFull     byte = 'f'
	respOversize byte = 'o'
)

var errCorruptResponse = errors.New("idempotency: corrupt recorded response")

// encode returns the recorded response, or only its status and size if
// the body passed the bound.
func (r *recorder) encode() []byte {
	if r.overflow {
		b := []byte{respVersion, respOversize}
		b = binary.AppendUvarint(b, uint64(r.status))
		return binary.AppendUvarint(b, uint64(r.size))
	}
	n := 16 + r.body.Len()
	for k, vs := range r.header {
		n += len(k) + 8
		for _, v := range vs {
			n += len(v) + 4
		}
	}
	b := make([]byte, 0, n)
	b = append(b, respVersion, respFull)
	b = binary.AppendUvarint(b, uint64(r.status))
	b = binary.AppendUvarint(b, uint64(len(r.header)))
	for k, vs := range r.header {
		b = appendString(b, k)
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendString(b, v)
		}
	}
	return append(b, r.body.Bytes()...)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// response is a decoded recorded response.
type response struct {
	status   int
	header   http.Header
	body     []byte
	oversize bool
	size     int // body size of an oversize response
}

// decodeResponse decodes a response encoded by [recorder.encode].
func decodeResponse(b []byte) (response, error) {
	d := decoder{b: b}
	if d.byte() != respVersion {
		return response{}, errCorruptResponse
	}
	kind := d.byte()
	resp := response{status: int(d.uvarint(999))}
	switch kind {
	case respOversize:
		resp.oversize, resp.size = true, int(d.uvarint(1<<62))
	case respFull:
		n := d.uvarint(uint64(len(b)))
		resp.header = make(http.Header, n)
		for range n {
			k := d.string()
			vs := make([]string, d.uvarint(uint64(len(b))))
			for i := range vs {
				vs[i] = d.string()
			}
			resp.header[k] = vs
		}
		resp.body = d.b
	default:
		d.bad = true
	}
	if d.bad || resp.status < 200 {
		return response{}, errCorruptResponse
	}
	return resp, nil
}

// decoder reads a recorded response; bad is set by the first read past
// the end or above a bound, after which every read returns zero.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) byte() byte {
	if d.bad || len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint(max uint64) uint64 {
	if d.bad {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > max {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint(uint64(len(d.b)))
	if d.bad || n > uint64(len(d.b)) { // the bound above counted the length's own bytes
		d.bad = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
