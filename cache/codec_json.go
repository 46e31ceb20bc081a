package cache

import (
	"bytes"
	"encoding/json"
	"sync"
)

// JSONCodec is the default [Codec]: encoding/json.
type JSONCodec struct{}

// Marshal returns the JSON encoding of v.
func (JSONCodec) Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// Unmarshal decodes the JSON in data into v, as json.Unmarshal does.
//
// It gives the same results and errors, with fewer allocations: a valid
// value of up to 4 KiB is decoded by a pooled json.Decoder, which keeps
// the decoding state that json.Unmarshal allocates on every call (three
// allocations for a struct). Anything else goes to json.Unmarshal.
func (JSONCodec) Unmarshal(data []byte, v any) error {
	if len(data) > maxPooledJSON || !json.Valid(data) {
		return json.Unmarshal(data, v) // with the error as json words it
	}
	d := jsonDecoders.Get().(*jsonDecoder)
	d.r.Reset(data)
	if err := d.dec.Decode(v); err != nil {
		return err // a type error, as json.Unmarshal returns it; d is dropped
	}
	d.r.Reset(nil)
	jsonDecoders.Put(d)
	return nil
}

// maxPooledJSON is the largest value a pooled decoder takes, so that the
// pool keeps no large buffers.
const maxPooledJSON = 4 << 10

// jsonDecoder is a json.Decoder on a bytes.Reader, reset for each value.
// json.Valid has checked that the value is one JSON value with nothing but
// white space around it, so the decoder reads it whole and is left with
// nothing but white space, which it skips before its next value.
type jsonDecoder struct {
	r   bytes.Reader
	dec *json.Decoder
}

var jsonDecoders = sync.Pool{New: func() any {
	d := new(jsonDecoder)
	d.dec = json.NewDecoder(&d.r)
	return d
}}
