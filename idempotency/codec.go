package idempotency

import (
	"encoding/json"

	"github.com/holdfast-go/holdfast/internal/rawcodec"
)

// Codec turns the results of [Do] into the bytes a [Store] records and
// back. Its methods must be safe for concurrent use.
type Codec interface {
	// Marshal encodes v, a value of Do's type T.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into v, a *T. It must not keep data.
	Unmarshal(data []byte, v any) error
}

// JSONCodec is the default [Codec]: encoding/json.
type JSONCodec struct{}

// Marshal returns the JSON encoding of v.
func (JSONCodec) Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// Unmarshal decodes the JSON in data into v.
func (JSONCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// RawCodec is a [Codec] for results of type string or []byte: it records
// the bytes as they are, with no encoding cost. Other types are an error.
// [Do] replays a string result from a [MemoryStore] without allocating.
type RawCodec struct{}

// Marshal returns the bytes of v, a string or a []byte.
func (RawCodec) Marshal(v any) ([]byte, error) { return rawcodec.Marshal("idempotency", v) }

// Unmarshal stores a copy of data in v, a *string or a *[]byte.
func (RawCodec) Unmarshal(data []byte, v any) error {
	return rawcodec.Unmarshal("idempotency", data, v)
}
