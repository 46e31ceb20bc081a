package holdfastgrpc

import (
	"fmt"

	"google.golang.org/grpc/codes"
)

// maxCode is the largest status code gRPC defines (Unauthenticated).
const maxCode = codes.Unauthenticated

// codeSet is a set of status codes, as bits.
type codeSet uint32

func (s codeSet) has(c codes.Code) bool { return c <= maxCode && s&(1<<c) != 0 }

// newCodeSet returns the set of cs, or an error naming the option when a
// code is OK (a success is never a failure to retry or count) or unknown
// to gRPC.
func newCodeSet(option string, cs []codes.Code) (codeSet, error) {
	var s codeSet
	for _, c := range cs {
		if c == codes.OK || c > maxCode {
			return 0, fmt.Errorf("holdfastgrpc: %s: code must be a failure code, 1 to %d, got %d (%v)", option, maxCode, uint32(c), c)
		}
		s |= 1 << c
	}
	return s, nil
}

func setOf(cs ...codes.Code) codeSet {
	s, err := newCodeSet("setOf", cs)
	if err != nil {
		panic(err) // only called with constants
	}
	return s
}
