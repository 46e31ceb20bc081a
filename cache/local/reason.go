package local

import "fmt"

// Reason says why an entry left a [Cache]; the [WithOnEvict] hook receives it.
type Reason int

const (
	// ReasonEvicted: the eviction policy removed the entry to make room,
	// or its admission filter declined to keep it over a resident entry.
	ReasonEvicted Reason = iota + 1
	// ReasonExpired: the entry's time to live had passed.
	ReasonExpired
	// ReasonDeleted: [Cache.Delete] or [Cache.Clear] removed the entry.
	ReasonDeleted
	// ReasonReplaced: a Set for the same key replaced the entry's value, or
	// removed it because the new value's cost was refused.
	ReasonReplaced
)

// String returns the reason's name in lower case, such as "evicted".
func (r Reason) String() string {
	switch r {
	case ReasonEvicted:
		return "evicted"
	case ReasonExpired:
		return "expired"
	case ReasonDeleted:
		return "deleted"
	case ReasonReplaced:
		return "replaced"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}
