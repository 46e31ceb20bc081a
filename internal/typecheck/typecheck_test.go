package typecheck

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	c := New(t, "strings", "github.com/holdfast-go/holdfast/internal/panics")
	tests := []struct {
		src     string
		wantErr string // a part of the error; "" for none
	}{
		{`package p; import "strings"; var _ = strings.ToUpper("a")`, ""},
		{`package p; import "strings"; var _ int = strings.ToUpper("a")`, "cannot use"},
		{`package p; import "github.com/holdfast-go/holdfast/internal/panics"; var _ = panics.Unwrap(1)`, ""},
		{`package p; import "fmt"; var _ = fmt.Sprint()`, "fmt was not given to New"},
		{`package p; var x = `, "expected operand"},
	}
	for _, tt := range tests {
		err := c.Check(tt.src)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", tt.src, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Check(%q) = %v, want an error containing %q", tt.src, err, tt.wantErr)
		}
	}
}
