package redis

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// newJobID returns a job ID: 32 hex digits, the first 12 the time in ms
// (so IDs sort by creation time, roughly) and the rest random. Two
// producers never choose the same ID in practice (80 random bits).
func newJobID(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
