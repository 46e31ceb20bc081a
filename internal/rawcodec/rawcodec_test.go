package rawcodec

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	b, err := Marshal("pkg", "text")
	require.NoError(t, err)
	var s string
	require.NoError(t, Unmarshal("pkg", b, &s))
	assert.Equal(t, "text", s)

	in := []byte{1, 2}
	b, err = Marshal("pkg", in)
	require.NoError(t, err)
	var out []byte
	require.NoError(t, Unmarshal("pkg", b, &out))
	assert.Equal(t, in, out)
	out[0] = 9
	assert.Equal(t, byte(1), in[0], "Unmarshal must copy the bytes")
}

func TestWrongTypes(t *testing.T) {
	_, err := Marshal("cache", 3)
	assert.EqualError(t, err, "cache: RawCodec: cannot encode int, only string and []byte")
	var n int
	err = Unmarshal("idempotency", nil, &n)
	assert.EqualError(t, err, "idempotency: RawCodec: cannot decode into *int, only *string and *[]byte")
}
