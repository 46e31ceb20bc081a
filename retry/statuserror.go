package retry

import (
	"fmt"
	"net/http"
	"time"
)

// StatusError is the error a [Transport] retries for a response whose
// status is retryable (429, 502, 503, 504 by default, see
// [WithRetryStatus]; 409 for a request with an Idempotency-Key). The
// [WithOnRetry] hook gets it, and so does the caller, inside an [*Error],
// when the call is cancelled during the wait that follows such a response.
// When the attempts run out, the caller gets the response itself, not this
// error.
type StatusError struct {
	// StatusCode is the response's status code, Status its status line
	// ("503 Service Unavailable").
	StatusCode int
	Status     string
	// Wait is the server's Retry-After, parsed by [ParseRetryAfter], or -1
	// when the response had no valid one.
	Wait time.Duration
}

var (
	_ error        = (*StatusError)(nil)
	_ RetryAfterer = (*StatusError)(nil)
)

// newStatusError returns the error of resp, received at now.
func newStatusError(resp *http.Response, now time.Time) *StatusError {
	wait, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	if !ok {
		wait = -1
	}
	status := resp.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return &StatusError{StatusCode: resp.StatusCode, Status: status, Wait: wait}
}

// Error returns "retry: server answered <status>".
func (e *StatusError) Error() string { return "retry: server answered " + e.Status }

// RetryAfter returns Wait, so that a policy waits what the server asked,
// within [WithMaxRetryAfter] and the context's deadline.
func (e *StatusError) RetryAfter() time.Duration { return e.Wait }
