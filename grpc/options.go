package holdfastgrpc

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"

	"github.com/holdfast-go/holdfast/limit"
)

// DefaultMaxReplay is how many messages a stream sent through
// [StreamClientRetry] keeps for replay, by default, until its first
// response message commits it; see [WithMaxReplay].
const DefaultMaxReplay = 64

// MaxReplay bounds [WithMaxReplay].
const MaxReplay = 1 << 16

// A UnaryRetryOption configures [UnaryClientRetry].
type UnaryRetryOption interface {
	applyUnaryRetry(*retryConfig) error
}

// A StreamRetryOption configures [StreamClientRetry].
type StreamRetryOption interface {
	applyStreamRetry(*retryConfig) error
}

// A RetryOption configures both [UnaryClientRetry] and
// [StreamClientRetry].
type RetryOption interface {
	UnaryRetryOption
	StreamRetryOption
}

type retryConfig struct {
	retry     codeSet // retried, with or without pushback
	pushback  codeSet // retried only with a valid pushback
	maxReplay int
}

func newRetryConfig() retryConfig {
	return retryConfig{
		retry:     setOf(codes.Unavailable),
		pushback:  setOf(codes.ResourceExhausted),
		maxReplay: DefaultMaxReplay,
	}
}

type retryOption func(*retryConfig) error

func (o retryOption) applyUnaryRetry(c *retryConfig) error  { return o(c) }
func (o retryOption) applyStreamRetry(c *retryConfig) error { return o(c) }

type streamRetryOption func(*retryConfig) error

func (o streamRetryOption) applyStreamRetry(c *retryConfig) error { return o(c) }

// WithRetryCodes sets the status codes retried whether or not the server
// sent a pushback, in place of the default, UNAVAILABLE. With none, only
// the codes of [WithPushbackCodes] are retried. Each code must be a
// failure code (not OK).
func WithRetryCodes(cs ...codes.Code) RetryOption {
	return retryOption(func(c *retryConfig) error {
		s, err := newCodeSet("WithRetryCodes", cs)
		c.retry = s
		return err
	})
}

// WithPushbackCodes sets the status codes retried only when the server
// sent a valid pushback ([MetadataPushback]), in place of the default,
// RESOURCE_EXHAUSTED: a server that sheds load and says when to come back
// is retried then, one that rejects without saying is not. With none,
// only the codes of [WithRetryCodes] are retried. Each code must be a
// failure code (not OK).
func WithPushbackCodes(cs ...codes.Code) RetryOption {
	return retryOption(func(c *retryConfig) error {
		s, err := newCodeSet("WithPushbackCodes", cs)
		c.pushback = s
		return err
	})
}

// WithMaxReplay sets how many messages a stream keeps for replay until
// its first response message commits it (default [DefaultMaxReplay]):
// a retry opens a new stream and sends them again. A stream that sends
// more before its first response is committed at the message past n, and
// is not retried after that. n must be in [0, [MaxReplay]]; 0 retries
// only streams that fail before their first message is sent.
func WithMaxReplay(n int) StreamRetryOption {
	return streamRetryOption(func(c *retryConfig) error {
		if n < 0 || n > MaxReplay {
			return fmt.Errorf("holdfastgrpc: WithMaxReplay must be in [0, %d], got %d", MaxReplay, n)
		}
		c.maxReplay = n
		return nil
	})
}

func newRetryOptions[O any](opts []O, apply func(O, *retryConfig) error) (retryConfig, error) {
	c := newRetryConfig()
	for _, o := range opts {
		if any(o) == nil {
			return c, errors.New("holdfastgrpc: nil Option")
		}
		if err := apply(o, &c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// A BreakerOption configures [UnaryClientBreaker] and
// [StreamClientBreaker].
type BreakerOption interface {
	applyBreaker(*breakerConfig) error
}

type breakerConfig struct {
	failure codeSet
}

type breakerOption func(*breakerConfig) error

func (o breakerOption) applyBreaker(c *breakerConfig) error { return o(c) }

// WithFailureCodes sets the status codes a breaker counts as failures, in
// place of the default UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED
// and INTERNAL; every other code counts as a success (the dependency
// answered). Each code must be a failure code (not OK).
func WithFailureCodes(cs ...codes.Code) BreakerOption {
	return breakerOption(func(c *breakerConfig) error {
		s, err := newCodeSet("WithFailureCodes", cs)
		c.failure = s
		return err
	})
}

// A ShedOption configures [UnaryServerShed] and [StreamServerShed].
type ShedOption interface {
	applyShed(*shedConfig) error
}

type shedConfig struct {
	priority func(ctx context.Context, fullMethod string) limit.Priority
}

type shedOption func(*shedConfig) error

func (o shedOption) applyShed(c *shedConfig) error { return o(c) }

// WithPriority sets how a call's priority is found, from its context
// (its metadata, say) and its full method name ("/package.Service/Method"),
// as [limit.WithPriority] does for HTTP: a [limit.Critical] call is never
// shed (it bypasses the limiter), a [limit.Sheddable] one is admitted only
// if a place is free at once (when the limiter has TryAcquire), and a
// [limit.Normal] one through the limiter's Acquire. By default every call
// is Normal.
func WithPriority(f func(ctx context.Context, fullMethod string) limit.Priority) ShedOption {
	return shedOption(func(c *shedConfig) error {
		if f == nil {
			return errors.New("holdfastgrpc: WithPriority: nil func")
		}
		c.priority = f
		return nil
	})
}
