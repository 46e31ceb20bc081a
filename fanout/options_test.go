package fanout_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/holdfast-go/holdfast/internal/typecheck"
)

// TestOptionTyping checks that each option compiles with exactly the calls
// that read it (the table in the package doc), so that an option a call
// would ignore is a compile error.
func TestOptionTyping(t *testing.T) {
	calls := map[string]string{ // a call with the option in place of %s
		"Map":     `fanout.Map(ctx, items, fn, %s)`,
		"ForEach": `fanout.ForEach(ctx, items, func(context.Context, int) error { return nil }, %s)`,
		"MapAll":  `fanout.MapAll(ctx, items, fn, %s)`,
		"New":     `fanout.New(ctx, %s)`,
		"Stream":  `fanout.Stream(ctx, slices.Values(items), fn, %s)`,
		"Hedge":   `fanout.Hedge(ctx, func(context.Context) (int, error) { return 0, nil }, time.Second, %s)`,
	}
	tests := []struct {
		option string
		calls  string // the calls that accept it
	}{
		{"fanout.WithLimit(4)", "Map ForEach MapAll New Stream"},
		{"fanout.WithTaskTimeout(time.Second)", "Map ForEach MapAll New Stream Hedge"},
		{"fanout.WithCollectAll()", "Map ForEach New"},
		{"fanout.WithOrdered(false)", "Stream"},
		{"fanout.WithBuffer(4)", "Stream"},
		{"fanout.WithMaxAttempts(3)", "Hedge"},
		{"fanout.WithClock(nil)", "Map ForEach MapAll New Stream Hedge"},
	}
	c := typecheck.New(t, "context", "slices", "time", "github.com/holdfast-go/holdfast/fanout")
	for _, tt := range tests {
		for call, form := range calls {
			src := fmt.Sprintf(`package p

import (
	"context"
	"slices"
	"time"

	"github.com/holdfast-go/holdfast/fanout"
)

var _ = time.Second
var _ = slices.Values[[]int]

func f(ctx context.Context, items []int, fn func(context.Context, int) (int, error)) {
	`+form+`
}
`, tt.option)
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
