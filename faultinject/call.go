package faultinject

import "net/http"

// Call is the record of one request the [Transport] got, and of what
// became of its response. [Transport.Calls] returns them in order.
type Call struct {
	// Method, URL and Header are the request's; Header is a copy.
	Method string
	URL    string
	Header http.Header
	// Body is the request's whole body (nil when it had none).
	Body []byte
	// Fault is the fault the request got (the zero Fault when it went to
	// the base transport unchanged).
	Fault Fault
	// Status is the response's status, 0 when the request failed.
	Status int
	// Err is the error the request failed with, nil when it got a response.
	Err error
	// BodyRead is how many bytes of the response body were read so far.
	BodyRead int64
	// BodyClosed reports whether the response body was closed.
	BodyClosed bool
}
