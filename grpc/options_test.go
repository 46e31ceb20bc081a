package holdfastgrpc_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/holdfast-go/holdfast/internal/typecheck"
)

// TestOptionTyping proves that an option given to a constructor that does
// not read it is a compile error.
func TestOptionTyping(t *testing.T) {
	calls := map[string]string{
		"UnaryClientRetry":    "holdfastgrpc.UnaryClientRetry(nil, %s)",
		"StreamClientRetry":   "holdfastgrpc.StreamClientRetry(nil, %s)",
		"UnaryClientBreaker":  "holdfastgrpc.UnaryClientBreaker(nil, %s)",
		"StreamClientBreaker": "holdfastgrpc.StreamClientBreaker(nil, %s)",
		"UnaryServerShed":     "holdfastgrpc.UnaryServerShed(nil, %s)",
		"StreamServerShed":    "holdfastgrpc.StreamServerShed(nil, %s)",
	}
	tests := []struct {
		option string
		calls  string // the calls that accept it
	}{
		{"holdfastgrpc.WithRetryCodes(codes.Unavailable)", "UnaryClientRetry StreamClientRetry"},
		{"holdfastgrpc.WithPushbackCodes(codes.ResourceExhausted)", "UnaryClientRetry StreamClientRetry"},
		{"holdfastgrpc.WithMaxReplay(8)", "StreamClientRetry"},
		{"holdfastgrpc.WithFailureCodes(codes.Internal)", "UnaryClientBreaker StreamClientBreaker"},
		{"holdfastgrpc.WithPriority(nil)", "UnaryServerShed StreamServerShed"},
	}
	c := typecheck.New(t, "google.golang.org/grpc/codes", "github.com/holdfast-go/holdfast/grpc")
	for _, tt := range tests {
		for call, form := range calls {
			src := `package p

import (
	"google.golang.org/grpc/codes"

	holdfastgrpc "github.com/holdfast-go/holdfast/grpc"
)

var _ = codes.OK

func f() {
	_, _ = ` + fmt.Sprintf(form, tt.option) + `
}
`
			err := c.Check(src)
			want := strings.Contains(" "+tt.calls+" ", " "+call+" ")
			switch {
			case want && err != nil:
				t.Errorf("%s given to %s: %v, want it to compile", tt.option, call, err)
			case !want && (err == nil || !strings.Contains(err.Error(), "does not implement")):
				t.Errorf("%s given to %s: %v, want a compile error: %s does not read it", tt.option, call, err, call)
			}
		}
	}
}
