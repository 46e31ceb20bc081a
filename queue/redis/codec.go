package redis

import (
	"encoding/json"
	"fmt"
)

// Codec turns jobs into the bytes stored in the stream and back. Its
// methods must be safe for concurrent use.
type Codec interface {
	// Marshal encodes v, a job of the queue's type T.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into v, a *T. A job that cannot be decoded
	// goes to the dead letters at once: retrying cannot fix it.
	Unmarshal(data []byte, v any) error
}

// JSONCodec is the default [Codec]: encoding/json.
type JSONCodec struct{}

// Marshal returns the JSON encoding of v.
func (JSONCodec) Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// Unmarshal decodes the JSON in data into v.
func (JSONCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// RawCodec is a [Codec] for queues of []byte or string jobs: it stores the
// bytes as they are, with no encoding cost. Other types are an error.
type RawCodec struct{}

// Marshal returns the bytes of v, a []byte or a string.
func (RawCodec) Marshal(v any) ([]byte, error) {
	switch v := v.(type) {
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	default:
		return nil, fmt.Errorf("queue/redis: RawCodec: cannot encode %T, only []byte and string", v)
	}
}

// Unmarshal stores data in v, a *[]byte or a *string.
func (RawCodec) Unmarshal(data []byte, v any) error {
	switch v := v.(type) {
	case *[]byte:
		*v = data
	case *string:
		*v = string(data)
	default:
		return fmt.Errorf("queue/redis: RawCodec: cannot decode into %T, only *[]byte and *string", v)
	}
	return nil
}

// EncodeError is returned by [Producer.Enqueue] for a job that the codec
// cannot encode. Nothing is enqueued.
type EncodeError struct {
	Err error // the codec's error
}

func (e *EncodeError) Error() string { return "queue/redis: encode job: " + e.Err.Error() }

// Unwrap returns the codec's error.
func (e *EncodeError) Unwrap() error { return e.Err }
