package holdfastgrpc_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/holdfast-go/holdfast/breaker"
	holdfastgrpc "github.com/holdfast-go/holdfast/grpc"
)

func TestOpenError(t *testing.T) {
	boe := &breaker.OpenError{Name: "db", State: breaker.StateOpen}
	err := error(&holdfastgrpc.OpenError{Err: boe})
	st, ok := status.FromError(err)
	assert.True(t, ok)
	assert.Equal(t, codes.Unavailable, st.Code())
	assert.Equal(t, boe.Error(), st.Message())
	assert.Equal(t, "rpc error: code = Unavailable desc = "+boe.Error(), err.Error())
	assert.ErrorIs(t, err, breaker.ErrOpen)
	var got *breaker.OpenError
	assert.True(t, errors.As(err, &got))
	assert.Same(t, boe, got)

	zero := &holdfastgrpc.OpenError{}
	assert.Equal(t, "rpc error: code = Unavailable desc = breaker: open", zero.Error())
	assert.Equal(t, codes.Unavailable, status.Code(zero))
}
