package holdfastotel

import (
	"context"
	"errors"
	"strconv"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/limit"
	"github.com/holdfast-go/holdfast/queue"
	"github.com/holdfast-go/holdfast/retry"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// The values of error.type that [ErrorType] returns, besides the HTTP
// status codes. The set is fixed: an error that none of them matches is
// [ErrorTypeOther].
const (
	ErrorTypeCanceled           = "canceled"            // context.Canceled
	ErrorTypeTimeout            = "timeout"             // context.DeadlineExceeded
	ErrorTypeBreakerOpen        = "breaker_open"        // breaker.ErrOpen
	ErrorTypeLimited            = "limited"             // limit.ErrLimited
	ErrorTypeQueueFull          = "queue_full"          // queue.ErrFull
	ErrorTypeBudgetExhausted    = "retry_budget"        // retry.ErrBudgetExhausted
	ErrorTypeInsufficientBudget = "insufficient_budget" // deadline.ErrInsufficientBudget
	ErrorTypeNotFound           = "not_found"           // cache.ErrNotFound
	ErrorTypePanic              = "panic"               // a panic in the wrapped call
	ErrorTypeOther              = "_OTHER"              // anything else, as the semantic conventions say
)

// ErrorType classifies err for the error.type attribute, from a fixed set
// so that error strings never become attribute values: "" for nil, one of
// the ErrorType constants, or the status code of a [*retry.StatusError]
// ("503"; only codes 100 to 599). The holdfast conditions are tested first
// (a [*retry.Error] matches the reason the retries stopped), then the
// context's.
func ErrorType(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, breaker.ErrOpen):
		return ErrorTypeBreakerOpen
	case errors.Is(err, limit.ErrLimited):
		return ErrorTypeLimited
	case errors.Is(err, queue.ErrFull):
		return ErrorTypeQueueFull
	case errors.Is(err, retry.ErrBudgetExhausted):
		return ErrorTypeBudgetExhausted
	case errors.Is(err, deadline.ErrInsufficientBudget):
		return ErrorTypeInsufficientBudget
	case errors.Is(err, cache.ErrNotFound):
		return ErrorTypeNotFound
	}
	if se, ok := errors.AsType[*retry.StatusError](err); ok && se.StatusCode >= 100 && se.StatusCode <= 599 {
		return strconv.Itoa(se.StatusCode)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ErrorTypeTimeout
	case errors.Is(err, context.Canceled):
		return ErrorTypeCanceled
	}
	return ErrorTypeOther
}

// errorKey is error.type, from the semantic conventions.
var errorKey = semconv.ErrorTypeKey
