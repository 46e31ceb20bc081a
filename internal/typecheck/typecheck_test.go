package typecheck

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
		if tt.wantErr == "" {
			assert.NoError(t, err, "Check(%q)", tt.src)
		} else {
			assert.ErrorContains(t, err, tt.wantErr, "Check(%q)", tt.src)
		}
	}
}
