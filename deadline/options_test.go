package deadline

import (
	"strings"
	"testing"
	"time"
)

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string // the error must contain it
	}{
		{"nil", nil, "deadline: nil Option"},
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
			if mw, err := Middleware(tt.opt); mw != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Middleware(%s) = %v, want an error containing %q", tt.name, err, tt.want)
			}
			if rt, err := Transport(nil, tt.opt); rt != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Transport(nil, %s) = %v, want an error containing %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestOptionsApply(t *testing.T) {
	c, err := newConfig([]Option{
		WithHeader("x-budget-ms"),
		WithGRPCTimeout(true),
		WithMaxTimeout(time.Minute),
		WithDefaultTimeout(time.Second),
		WithRejectInvalid(true),
		WithLayer("edge"),
		WithNetworkAllowance(0),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := config{header: "X-Budget-Ms", grpcRead: true, grpcWrite: true, max: time.Minute, def: time.Second, reject: true, layer: "edge"}
	if *c != want {
		t.Errorf("config = %+v, want %+v", *c, want)
	}
	d, err := newConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	want = config{header: HeaderTimeout, grpcRead: true, max: DefaultMaxTimeout, def: DefaultTimeout, layer: DefaultLayer, allowance: DefaultNetworkAllowance}
	if *d != want {
		t.Errorf("default config = %+v, want %+v", *d, want)
	}
}
