package idempotency

import (
	"bytes"
	"unsafe"
)

// decodeRaw decodes a [RawCodec] record into a string or a []byte, and
// reports false for any other T. A string shares the record's bytes,
// which is safe because nobody modifies them after Acquire returns them
// (the [Acquisition].Value contract), and a string cannot be modified
// either: that is how a replay from a [MemoryStore] avoids allocating. A
// []byte gets a copy, so that the caller cannot change the next replay.
func decodeRaw[T any](b []byte) (T, bool) {
	var v T
	switch p := any(&v).(type) {
	case *string:
		*p = unsafe.String(unsafe.SliceData(b), len(b))
	case *[]byte:
		*p = bytes.Clone(b)
	default:
		return v, false
	}
	return v, true
}
