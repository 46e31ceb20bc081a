package cache

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/holdfast-go/holdfast/internal/rawcodec"
)

// Codec turns the values of a [Cache] into the bytes kept in its [Store]
// and back. Its methods must be safe for concurrent use.
type Codec interface {
	// Marshal encodes v, a value of the Cache's type V.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into v, a *V. An error makes the Cache treat
	// the stored value as missing and report it.
	Unmarshal(data []byte, v any) error
}

// RawCodec is a [Codec] for a [Cache] of string or []byte values: it stores
// the bytes as they are, with no encoding cost. Other types are an error.
type RawCodec struct{}

// Marshal returns the bytes of v, a string or a []byte.
func (RawCodec) Marshal(v any) ([]byte, error) { return rawcodec.Marshal("cache", v) }

// Unmarshal stores data in v, a *string or a *[]byte.
func (RawCodec) Unmarshal(data []byte, v any) error { return rawcodec.Unmarshal("cache", data, v) }

// ErrCorrupt reports a value in the [Store] that the [Cache] cannot decode:
// bytes not written by a Cache, or written with another [Codec] or type.
// The Cache treats such a value as missing.
var ErrCorrupt = errors.New("cache: corrupt value in store")

// A value in the Store is an envelope: a header, then the codec's bytes.
//
//	byte 0     format version (envVersion)
//	byte 1     flags (flagNegative: the source reported ErrNotFound;
//	           flagLease: a load's placeholder, not a value)
//	bytes 2-9  fresh-until, Unix nanoseconds, big-endian
//	bytes 10-  the Codec's encoding of the value (empty when negative; a
//	           random token when a lease)
//
// The fresh-until time lets every process agree on when a shared value goes
// stale, so that one of them refreshes it while the others serve it. A
// lease is what a load puts in place of a missing key before it calls the
// loader: its write-back replaces the lease only if it is still there, so
// a Set or Delete that ran meanwhile wins. Readers take a lease for a miss.
const (
	envVersion   = 1
	envHeader    = 10
	flagNegative = 1 << 0
	flagLease    = 1 << 1
)

// envelope is a decoded Store value.
type envelope struct {
	payload    []byte
	freshUntil int64 // Unix nanoseconds
	negative   bool
	lease      bool
}

// encode returns the Store bytes of e.
func (e envelope) encode() []byte {
	b := make([]byte, envHeader, envHeader+len(e.payload))
	b[0] = envVersion
	if e.negative {
		b[1] |= flagNegative
	}
	if e.lease {
		b[1] |= flagLease
	}
	binary.BigEndian.PutUint64(b[2:], uint64(e.freshUntil))
	return append(b, e.payload...)
}

// decodeEnvelope parses Store bytes. The payload aliases b.
func decodeEnvelope(b []byte) (envelope, error) {
	if len(b) < envHeader {
		return envelope{}, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrCorrupt, len(b), envHeader)
	}
	if b[0] != envVersion {
		return envelope{}, fmt.Errorf("%w: format version %d, want %d", ErrCorrupt, b[0], envVersion)
	}
	if b[1]&^(flagNegative|flagLease) != 0 || b[1] == flagNegative|flagLease {
		return envelope{}, fmt.Errorf("%w: unknown flags %#x", ErrCorrupt, b[1])
	}
	e := envelope{
		payload:    b[envHeader:],
		freshUntil: int64(binary.BigEndian.Uint64(b[2:])),
		negative:   b[1]&flagNegative != 0,
		lease:      b[1]&flagLease != 0,
	}
	if e.negative && len(e.payload) != 0 {
		return envelope{}, fmt.Errorf("%w: negative entry with a %d-byte payload", ErrCorrupt, len(e.payload))
	}
	return e, nil
}
