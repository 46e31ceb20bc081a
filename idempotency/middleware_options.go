package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Defaults of [Middleware].
const (
	// DefaultMaxBodyBytes bounds the request body the middleware reads to
	// fingerprint it ([WithMaxBodyBytes]).
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxResponseBytes bounds the response body the middleware
	// records for replay ([WithMaxResponseBytes]).
	DefaultMaxResponseBytes = 64 << 10
	// DefaultRetryAfter is the Retry-After of a 409 answer
	// ([WithRetryAfter]).
	DefaultRetryAfter = time.Second
)

// MiddlewareOption configures [Middleware]. An option with a bad value
// makes Middleware return an error naming the option and the value.
type MiddlewareOption interface {
	applyMiddleware(*mwConfig) error
}

type mwOptionFunc func(*mwConfig) error

func (f mwOptionFunc) applyMiddleware(c *mwConfig) error { return f(c) }

// ServerErrorPolicy is what [Middleware] does with a 5xx response
// ([WithServerErrors]).
type ServerErrorPolicy int

const (
	// ReplayServerErrors records a 5xx response and replays it like any
	// other: the handler may have had effects before it failed, so a
	// retry must not run it again (Stripe's choice). This is the default.
	ReplayServerErrors ServerErrorPolicy = iota
	// ReleaseServerErrors records nothing for a 5xx response and releases
	// the key, so that a retry runs the handler again: for handlers that
	// roll back their effects when they fail.
	ReleaseServerErrors
)

// String returns the policy's name, such as "ReplayServerErrors".
func (p ServerErrorPolicy) String() string {
	switch p {
	case ReplayServerErrors:
		return "ReplayServerErrors"
	case ReleaseServerErrors:
		return "ReleaseServerErrors"
	}
	return fmt.Sprintf("ServerErrorPolicy(%d)", int(p))
}

type mwConfig struct {
	methods     map[string]bool
	required    bool
	scope       func(*http.Request) string
	fingerprint func(r *http.Request, body []byte) string
	maxBody     int64
	maxResponse int
	serverErrs  ServerErrorPolicy
	retryAfter  time.Duration
	onError     func(*http.Request, error)
}

func newMWConfig(opts []MiddlewareOption) (*mwConfig, error) {
	c := &mwConfig{
		methods:     map[string]bool{http.MethodPost: true, http.MethodPatch: true},
		scope:       func(*http.Request) string { return "" },
		fingerprint: DefaultFingerprint,
		maxBody:     DefaultMaxBodyBytes,
		maxResponse: DefaultMaxResponseBytes,
		retryAfter:  DefaultRetryAfter,
		onError:     func(*http.Request, error) {},
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("idempotency: nil MiddlewareOption")
		}
		if err := o.applyMiddleware(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// DefaultFingerprint is the fingerprint [Middleware] gives a request
// unless [WithFingerprint] replaces it: the SHA-256, in hex, of the
// method, the path, the query and the body.
func DefaultFingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method))
	h.Write([]byte{0})
	h.Write([]byte(r.URL.EscapedPath()))
	h.Write([]byte{0})
	h.Write([]byte(r.URL.RawQuery))
	h.Write([]byte{0})
	h.Write(body)
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// WithMethods sets the request methods the middleware applies to; others
// pass straight to the handler. The default is POST and PATCH, the
// methods the draft names: GET, PUT and DELETE are idempotent already.
func WithMethods(methods ...string) MiddlewareOption {
	return mwOptionFunc(func(c *mwConfig) error {
		if len(methods) == 0 {
			return errors.New("idempotency: WithMethods: no method given")
		}
		c.methods = make(map[string]bool, len(methods))
		for _, m := range methods {
			if m == "" || strings.ToUpper(m) != m || strings.ContainsAny(m, " \t\r\n") {
				return fmt.Errorf("idempotency: WithMethods: method must be an upper-case token, got %q", m)
			}
			c.methods[m] = true
		}
		return nil
	})
}

// WithKeyRequired makes the middleware answer a request without an
// Idempotency-Key header with 400 Bad Request, as the draft says of an
// operation documented to require one. By default such a request passes
// straight to the handler.
func WithKeyRequired() MiddlewareOption {
	return mwOptionFunc(func(c *mwConfig) error {
		c.required = true
		return nil
	})
}

// WithScope sets a function of the request that scopes its key: two
// requests share a record only if they have the same key and the same
// scope. Return the authenticated user, API key or tenant (the middleware
// must then run after authentication). Without a scope, keys are global,
// and a client that learns or guesses another client's key is replayed
// the other client's response: set one on any endpoint serving more than
// one client. A scope must be valid as a key (no control characters).
func WithScope(scope func(*http.Request) string) MiddlewareOption {
	return mwOptionFunc(func(c *mwConfig) error {
		if scope == nil {
			return errors.New("idempotency: WithScope: scope must not be nil")
		}
		c.scope = scope
		return nil
	})
}

// WithFingerprint sets the function that fingerprints a request, given
// the request and its body: a request whose key was first used with
// another fingerprint is answered with 422. The default is
// [DefaultFingerprint]. The result must be at most [MaxFingerprintLength]
// bytes: hash what it covers.
func WithFingerprint(fp func(r *http.Request, body []byte) string) MiddlewareOption {
	return mwOptionFunc(func(c *mwConfig) error {
		if fp == nil {
			return errors.New("idempotency: WithFingerprint: fingerprint must not be nil")
		}
		c.fingerprint = fp
		return nil
	})
}

// WithMaxBodyBytes bounds the request body the middleware reads (n >= 1):
// a request with a key and a larger body is answered with 413 Content Too
// Large. The default is [DefaultMaxBodyBytes].
func WithMaxBodyBytes(n int64) MiddlewareOption {
	return mwOptionFunc(func(c *mwConfig) error {
		if n < 1 {
			return fmt.Errorf("idempotency: WithMaxBodyBytes must be >= 1, got %d", n)
		}
		c.maxBody = n
		return nil
	})
}

// WithMaxResponseBytes bounds the response body the middleware records
// for replay (n >= 0). A larger response reaches its client whole but is
// not recorded: the key is marked done with its status only, and a
// repeat is answered with 410 Gone (see [Middleware]). The default is
// [DefaultMaxResponseBytes].
func WithMaxResponseBytes(n int) MiddlewareOption {
	return mwOptionFunc(func(c *mwConfig) error {
		if n < 0 {
			return fmt.Errorf("idempotency: WithMaxResponseBytes must be >= 0, got %d", n)
		}
		c.maxResponse = n
		return nil
	})
}

// WithServerErrors sets what the middleware does with a 5xx response:
// [ReplayServerErrors] (the default) or [ReleaseServerErrors].
func WithServerErrors(p ServerErrorPolicy) MiddlewareOption {
	return mwOptionFunc(func(c *mwConfig) error {
		if p != ReplayServerErrors && p != ReleaseServerErrors {
			return fmt.Errorf("idempotency: WithServerErrors: unknown policy %v", p)
		}
		c.serverErrs = p
		return nil
	})
}

// WithRetryAfter sets the Retry-After of a 409 answer to a request whose
// key is in progress (d >= 1s, rounded up to whole seconds). The default
// is [DefaultRetryAfter]: the holder is usually about to finish, and
// asking again costs one Store read.
func WithRetryAfter(d time.Duration) MiddlewareOption {
	return mwOptionFunc(func(c *mwConfig) error {
		if d < time.Second {
			return fmt.Errorf("idempotency: WithRetryAfter must be >= 1s, got %v", d)
		}
		c.retryAfter = d
		return nil
	})
}

// WithOnError sets a function told of errors the middleware could not
// answer because the handler had already responded (its response could
// not be recorded: the Store failed, or the lease was lost), and of the
// Store and configuration errors it answered with 500 or 503.
func WithOnError(report func(*http.Request, error)) MiddlewareOption {
	return mwOptionFunc(func(c *mwConfig) error {
		if report == nil {
			return errors.New("idempotency: WithOnError: report must not be nil")
		}
		c.onError = report
		return nil
	})
}
