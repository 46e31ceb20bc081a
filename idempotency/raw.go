package idempotency

import (
	"bytes"
	"unsafe"
)

// decodeRaw decodes a [RawCodec] record of a [MemoryStore] into a string
// or a []byte, and reports false for any other T. A string shares the
// record's bytes, which is safe because the MemoryStore never writes into
// a value it keeps (eviction and expiry only drop it), the Group never
// writes into what it recorded, and a string cannot be modified either:
// that is how a replay from a MemoryStore avoids allocating. Records of
// other Stores are decoded by [RawCodec.Unmarshal], into a copy, so that a
// Store that reuses its buffers cannot change a replayed string. A []byte
// gets a copy, so that the caller cannot change the next replay.
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
