package deadline

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Defaults used by [Middleware] and [Transport] when no option overrides them.
const (
	// DefaultMaxTimeout caps every budget the middleware grants, whatever the
	// caller asked for.
	DefaultMaxTimeout = 30 * time.Second
	// DefaultTimeout is the budget the middleware grants a request that
	// carries no budget header (capped by the maximum).
	DefaultTimeout = 10 * time.Second
	// DefaultNetworkAllowance is subtracted by the transport from the
	// remaining budget before writing it, for the time the request and its
	// response spend on the network.
	DefaultNetworkAllowance = 5 * time.Millisecond
	// DefaultLayer names the middleware's timeout in its [TimeoutError].
	DefaultLayer = "request"
)

// An Option configures both [Middleware] and [Transport]: the options of
// the budget headers they share ([WithHeader], [WithGRPCTimeout]). The
// options that only one of them reads have that one's type,
// [MiddlewareOption] or [TransportOption], so that giving one to the other
// is a compile error. A bad value makes Middleware or Transport return an
// error naming the option; a nil option is an error too.
type Option interface {
	MiddlewareOption
	TransportOption
}

// A MiddlewareOption configures [Middleware]: [WithMaxTimeout],
// [WithDefaultTimeout], [WithRejectInvalid], [WithLayer], and the shared
// [Option]s.
type MiddlewareOption interface {
	applyMiddleware(*config) error
}

// A TransportOption configures [Transport]: [WithNetworkAllowance], and
// the shared [Option]s.
type TransportOption interface {
	applyTransport(*config) error
}

// Each option constructor returns a value of its own type, with the methods
// of the calls that read it and no others.
type (
	sharedOption     func(*config) error
	middlewareOption func(*config) error
	transportOption  func(*config) error
)

func (f sharedOption) applyMiddleware(c *config) error     { return f(c) }
func (f sharedOption) applyTransport(c *config) error      { return f(c) }
func (f middlewareOption) applyMiddleware(c *config) error { return f(c) }
func (f transportOption) applyTransport(c *config) error   { return f(c) }

type config struct {
	header    string // canonical name of the millisecond header
	grpcRead  bool
	grpcWrite bool
	max       time.Duration
	def       time.Duration
	reject    bool
	layer     string
	allowance time.Duration
	clock     Clock // nil: package time
}

// newConfig applies opts, options of one call's type O, with apply, that
// call's method of O.
func newConfig[O any](opts []O, apply func(O, *config) error) (*config, error) {
	c := &config{
		header:    HeaderTimeout,
		grpcRead:  true,
		max:       DefaultMaxTimeout,
		def:       DefaultTimeout,
		layer:     DefaultLayer,
		allowance: DefaultNetworkAllowance,
	}
	for _, o := range opts {
		if any(o) == nil {
			return nil, errors.New("deadline: nil Option")
		}
		if err := apply(o, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// WithHeader sets the header that carries the budget as decimal
// milliseconds, for both the middleware (reads it) and the transport (writes
// it). The default is [HeaderTimeout]. The name must be a valid HTTP token and
// must not be [HeaderGRPCTimeout], whose encoding differs.
func WithHeader(name string) Option {
	return sharedOption(func(c *config) error {
		if !isToken(name) {
			return fmt.Errorf("deadline: WithHeader: name must be a valid header name, got %q", name)
		}
		canon := http.CanonicalHeaderKey(name)
		if canon == HeaderGRPCTimeout {
			return fmt.Errorf("deadline: WithHeader: %q is read and written with WithGRPCTimeout", name)
		}
		c.header = canon
		return nil
	})
}

// WithGRPCTimeout turns the [HeaderGRPCTimeout] header on or off. The
// middleware reads it by default (when both headers are present, the smaller
// budget wins); the transport writes it, next to the millisecond header, only
// when this option turns it on.
func WithGRPCTimeout(on bool) Option {
	return sharedOption(func(c *config) error {
		c.grpcRead, c.grpcWrite = on, on
		return nil
	})
}

// WithMaxTimeout sets the middleware's cap: no request is granted a longer
// budget, whatever its header says. It must be > 0; the default is
// [DefaultMaxTimeout].
func WithMaxTimeout(d time.Duration) MiddlewareOption {
	return middlewareOption(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("deadline: WithMaxTimeout: timeout must be > 0, got %v", d)
		}
		c.max = d
		return nil
	})
}

// WithDefaultTimeout sets the budget the middleware grants a request without
// a budget header (or, under the default policy, with an invalid one). It
// must be > 0 and is capped by the maximum; the default is [DefaultTimeout].
func WithDefaultTimeout(d time.Duration) MiddlewareOption {
	return middlewareOption(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("deadline: WithDefaultTimeout: timeout must be > 0, got %v", d)
		}
		c.def = d
		return nil
	})
}

// WithRejectInvalid sets the middleware's policy for a budget header that is
// present but invalid (malformed, negative, overlong, with an unknown unit,
// or repeated). When reject is false, the default, the invalid header is
// treated as absent: the other budget header, or else the default timeout,
// applies. When reject is true the middleware answers 400 Bad Request and
// does not call the handler.
func WithRejectInvalid(reject bool) MiddlewareOption {
	return middlewareOption(func(c *config) error {
		c.reject = reject
		return nil
	})
}

// WithLayer names the middleware's timeout: when it expires, the request
// context's cause is a [*TimeoutError] with this layer. It must not be empty;
// the default is [DefaultLayer].
func WithLayer(name string) MiddlewareOption {
	return middlewareOption(func(c *config) error {
		if name == "" {
			return errors.New(`deadline: WithLayer: name must not be empty, got ""`)
		}
		c.layer = name
		return nil
	})
}

// WithNetworkAllowance sets how much of the remaining budget the transport
// keeps back for network time: it writes the remaining budget less this
// allowance. It must be >= 0; the default is [DefaultNetworkAllowance].
func WithNetworkAllowance(d time.Duration) TransportOption {
	return transportOption(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("deadline: WithNetworkAllowance: allowance must be >= 0, got %v", d)
		}
		c.allowance = d
		return nil
	})
}

// isToken reports whether s is a non-empty RFC 9110 token, the syntax of a
// header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
