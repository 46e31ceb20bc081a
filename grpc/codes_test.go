package holdfastgrpc

import (
	"testing"

	"google.golang.org/grpc/codes"
)

func TestCodeSet(t *testing.T) {
	s, err := newCodeSet("test", []codes.Code{codes.Unavailable, codes.Unauthenticated})
	if err != nil {
		t.Fatalf("newCodeSet = %v, want nil", err)
	}
	tests := []struct {
		code codes.Code
		want bool
	}{
		{codes.OK, false},
		{codes.Unavailable, true},
		{codes.Unauthenticated, true},
		{codes.Internal, false},
		{codes.Code(17), false},
		{codes.Code(1 << 31), false},
	}
	for _, tt := range tests {
		if got := s.has(tt.code); got != tt.want {
			t.Errorf("has(%v) = %v, want %v", tt.code, got, tt.want)
		}
	}
	if s, err := newCodeSet("test", nil); err != nil || s != 0 {
		t.Errorf("newCodeSet(nil) = %v, %v, want 0, nil", s, err)
	}
}
