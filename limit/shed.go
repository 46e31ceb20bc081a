package limit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Priority says how a request is treated by the [Shed] middleware.
type Priority int

const (
	// Sheddable requests take a place only if one is free now
	// (TryAcquire): they never wait, so they are shed first. With a
	// [Limiter] that has no TryAcquire method they are [Normal].
	Sheddable Priority = iota - 1
	// Normal requests take a place through the limiter's Acquire, waiting
	// if the limiter lets them.
	Normal
	// Critical requests (health checks, the routes that keep the service
	// manageable) bypass the limiter: they are never shed.
	Critical
)

// A ShedOption configures [Shed].
type ShedOption interface {
	shed(*shedConfig) error
}

type shedOption func(*shedConfig) error

func (o shedOption) shed(c *shedConfig) error { return o(c) }

type shedConfig struct {
	status   int
	priority func(*http.Request) Priority
}

// WithStatus sets the status code of a shed request (default 503 Service
// Unavailable; 429 Too Many Requests suits a limit per client). code must
// be a 4xx or 5xx code.
func WithStatus(code int) ShedOption {
	return shedOption(func(c *shedConfig) error {
		if code < 400 || code > 599 {
			return fmt.Errorf("limit: WithStatus must be a 4xx or 5xx code, got %d", code)
		}
		c.status = code
		return nil
	})
}

// WithPriority sets the function that gives each request its [Priority]
// (default: every request is [Normal]). f must not be nil, and must be
// cheap: it runs on every request, before admission.
func WithPriority(f func(*http.Request) Priority) ShedOption {
	return shedOption(func(c *shedConfig) error {
		if f == nil {
			return errors.New("limit: WithPriority: nil func")
		}
		c.priority = f
		return nil
	})
}

// tryAcquirer is the non-blocking admission that every limiter of this
// package has; Shed uses it for [Sheddable] requests.
type tryAcquirer interface {
	TryAcquire() (Permit, error)
}

// Shed returns HTTP server middleware that admits each request through l
// and sheds the ones l rejects: it answers them with 503 (or
// [WithStatus]) and a Retry-After header, in whole seconds rounded up,
// from the rejection's [LimitedError.RetryAfter], without calling the
// next handler. A request whose context ends while it waits gets the same
// status, without Retry-After. Priorities ([WithPriority]) keep health
// checks and critical routes from being shed before the others.
//
// The Permit is released with nil when the handler returns (or with a
// failure if it panics; the panic goes on): an adaptive limiter learns
// from the handler's latency, not from status codes. A request whose
// context was canceled (its client went away) is released with
// [context.Canceled], which an adaptive limiter does not take as a sample
// and a [Throttle] counts as accepted (unless its [WithIsOverload] says
// otherwise).
func Shed(l Limiter, opts ...ShedOption) (func(http.Handler) http.Handler, error) {
	if l == nil {
		return nil, errors.New("limit: Shed: nil Limiter")
	}
	c := shedConfig{status: http.StatusServiceUnavailable}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("limit: nil Option")
		}
		if err := o.shed(&c); err != nil {
			return nil, err
		}
	}
	s := &shedder{l: l, cfg: c}
	s.try, _ = l.(tryAcquirer)
	return s.wrap, nil
}

type shedder struct {
	l   Limiter
	try tryAcquirer
	cfg shedConfig
}

func (s *shedder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		prio := Normal
		if s.cfg.priority != nil {
			prio = s.cfg.priority(r)
		}
		if prio >= Critical {
			next.ServeHTTP(w, r)
			return
		}
		p, err := s.admit(r, prio)
		if err != nil {
			s.reject(w, err)
			return
		}
		done := false
		defer func() {
			if !done {
				p.Release(errPanicked)
			}
		}()
		next.ServeHTTP(w, r)
		done = true
		p.Release(outcome(r))
	})
}

// outcome is what a request's Permit is released with: nil, or
// [context.Canceled] when the client went away, since a handler that gave
// up early says nothing of the latency of the thing protected.
func outcome(r *http.Request) error {
	if err := r.Context().Err(); errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func (s *shedder) admit(r *http.Request, prio Priority) (Permit, error) {
	if prio < Normal && s.try != nil {
		return s.try.TryAcquire()
	}
	return s.l.Acquire(r.Context())
}

func (s *shedder) reject(w http.ResponseWriter, err error) {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", retryAfterSeconds(ra.RetryAfter()))
	}
	http.Error(w, http.StatusText(s.cfg.status), s.cfg.status)
}

// retryAfterSeconds renders d as a Retry-After value: whole seconds,
// rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	s := max(int64((d+time.Second-1)/time.Second), 1)
	return strconv.FormatInt(s, 10)
}
