package deadline

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/holdfast-go/holdfast/internal/typecheck"
)

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opt  any    // a MiddlewareOption, a TransportOption or both (an Option)
		want string // the error must contain it
	}{
		{"empty header", WithHeader(""), `deadline: WithHeader: name must be a valid header name, got ""`},
		{"header with space", WithHeader("Request Timeout"), `got "Request Timeout"`},
		{"header with colon", WithHeader("Timeout:"), `got "Timeout:"`},
		{"non-ASCII header", WithHeader("Zeitüberschreitung"), `got "Zeitüberschreitung"`},
		{"grpc header", WithHeader("grpc-timeout"), `deadline: WithHeader: "grpc-timeout"`},
		{"zero max", WithMaxTimeout(0), "deadline: WithMaxTimeout: timeout must be > 0, got 0s"},
		{"negative max", WithMaxTimeout(-time.Second), "got -1s"},
		{"zero default", WithDefaultTimeout(0), "deadline: WithDefaultTimeout: timeout must be > 0, got 0s"},
		{"empty layer", WithLayer(""), `deadline: WithLayer: name must not be empty, got ""`},
		{"negative allowance", WithNetworkAllowance(-time.Millisecond), "deadline: WithNetworkAllowance: allowance must be >= 0, got -1ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if o, ok := tt.opt.(MiddlewareOption); ok {
				if mw, err := Middleware(o); mw != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Middleware(%s) = %v, want an error containing %q", tt.name, err, tt.want)
				}
			}
			if o, ok := tt.opt.(TransportOption); ok {
				if rt, err := Transport(nil, o); rt != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Transport(nil, %s) = %v, want an error containing %q", tt.name, err, tt.want)
				}
			}
		})
	}
	if mw, err := Middleware(nil); mw != nil || err == nil || err.Error() != "deadline: nil Option" {
		t.Errorf("Middleware(nil) = %v, want %q", err, "deadline: nil Option")
	}
	if rt, err := Transport(nil, nil); rt != nil || err == nil || err.Error() != "deadline: nil Option" {
		t.Errorf("Transport(nil, nil) = %v, want %q", err, "deadline: nil Option")
	}
}

func TestOptionsApply(t *testing.T) {
	m, err := newConfig([]MiddlewareOption{
		WithHeader("x-budget-ms"),
		WithGRPCTimeout(true),
		WithMaxTimeout(time.Minute),
		WithDefaultTimeout(time.Second),
		WithRejectInvalid(true),
		WithLayer("edge"),
	}, MiddlewareOption.applyMiddleware)
	if err != nil {
		t.Fatal(err)
	}
	want := config{header: "X-Budget-Ms", grpcRead: true, grpcWrite: true, max: time.Minute, def: time.Second, reject: true, layer: "edge", allowance: DefaultNetworkAllowance}
	if *m != want {
		t.Errorf("middleware config = %+v, want %+v", *m, want)
	}
	tr, err := newConfig([]TransportOption{WithHeader("x-budget-ms"), WithGRPCTimeout(true), WithNetworkAllowance(0)}, TransportOption.applyTransport)
	if err != nil {
		t.Fatal(err)
	}
	want = config{header: "X-Budget-Ms", grpcRead: true, grpcWrite: true, max: DefaultMaxTimeout, def: DefaultTimeout, layer: DefaultLayer}
	if *tr != want {
		t.Errorf("transport config = %+v, want %+v", *tr, want)
	}
	d, err := newConfig(nil, Option.applyMiddleware)
	if err != nil {
		t.Fatal(err)
	}
	want = config{header: HeaderTimeout, grpcRead: true, max: DefaultMaxTimeout, def: DefaultTimeout, layer: DefaultLayer, allowance: DefaultNetworkAllowance}
	if *d != want {
		t.Errorf("default config = %+v, want %+v", *d, want)
	}
}

// TestOptionTyping checks that each option compiles with exactly the calls
// that read it, so that an option one of them would ignore is a compile
// error.
func TestOptionTyping(t *testing.T) {
	calls := map[string]string{
		"Middleware": "deadline.Middleware(%s)",
		"Transport":  "deadline.Transport(nil, %s)",
	}
	tests := []struct {
		option string
		calls  string // the calls that accept it
	}{
		{`deadline.WithHeader("x-budget")`, "Middleware Transport"},
		{"deadline.WithGRPCTimeout(true)", "Middleware Transport"},
		{"deadline.WithMaxTimeout(time.Second)", "Middleware"},
		{"deadline.WithDefaultTimeout(time.Second)", "Middleware"},
		{"deadline.WithRejectInvalid(true)", "Middleware"},
		{`deadline.WithLayer("edge")`, "Middleware"},
		{"deadline.WithNetworkAllowance(time.Millisecond)", "Transport"},
	}
	c := typecheck.New(t, "time", "github.com/holdfast-go/holdfast/deadline")
	for _, tt := range tests {
		for call, form := range calls {
			src := fmt.Sprintf(`package p

import (
	"time"

	"github.com/holdfast-go/holdfast/deadline"
)

var _ = time.Second

func f() {
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
