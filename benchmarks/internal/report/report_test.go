package main

import (
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/holdfast-go/holdfast/benchmarks/localcache
cpu: AMD EPYC
BenchmarkZipf/size=1000/impl=holdfast-2   	 100	  30.0 ns/op	  0.610 hit-ratio	 0 B/op	 0 allocs/op
BenchmarkZipf/size=1000/impl=otter-2      	 100	  20.0 ns/op	  0.600 hit-ratio	 0 B/op	 0 allocs/op
BenchmarkZipf/size=1000/impl=lru-2        	 100	  10.0 ns/op	  0.520 hit-ratio	 0 B/op	 0 allocs/op
BenchmarkZipf/size=1000/impl=holdfast-2   	 100	  50.0 ns/op	  0.610 hit-ratio	 0 B/op	 0 allocs/op
BenchmarkZipf/size=1000/impl=otter-2      	 100	  22.0 ns/op	  0.600 hit-ratio	 0 B/op	 0 allocs/op
BenchmarkZipf/size=1000/impl=lru-2        	 100	  12.0 ns/op	  0.520 hit-ratio	 0 B/op	 0 allocs/op
BenchmarkZipf/size=1000/impl=holdfast-2   	 100	  10.0 ns/op	  0.610 hit-ratio	 0 B/op	 0 allocs/op
BenchmarkZipf/size=1000/impl=optimum-2    	 100	  1.00 ns/op	  0.700 hit-ratio
--- BENCH: BenchmarkZipf/size=1000/impl=holdfast-2
    localcache_test.go:1: a log line
PASS
ok  	github.com/holdfast-go/holdfast/benchmarks/localcache	1.0s
pkg: github.com/holdfast-go/holdfast/benchmarks/retry
BenchmarkOneRetry/impl=direct-2   	 100	  3.0 ns/op
BenchmarkOneRetry/impl=failsafe-2 	 100	  1500 ns/op
pkg: github.com/holdfast-go/holdfast/benchmarks/replay
BenchmarkReplay/impl=holdfast-2 	 1	  0 ns/op	  0.5 hit-ratio
BenchmarkReplay/impl=otter-2    	 1	  0 ns/op	  0.4 hit-ratio
`

func TestSplitName(t *testing.T) {
	tests := []struct{ name, workload, impl, procs string }{
		{"BenchmarkMap/items=10/impl=conc-2", "Map/items=10", "conc", "2"},
		{"BenchmarkTwoTier/LocalHit/impl=holdfast-16", "TwoTier/LocalHit", "holdfast", "16"},
		{"BenchmarkSet/impl=go-redis", "Set", "go-redis", ""},
		{"BenchmarkPlain-2", "Plain", "", "2"},
	}
	for _, tt := range tests {
		w, i, p := splitName(tt.name)
		if w != tt.workload || i != tt.impl || p != tt.procs {
			t.Errorf("splitName(%q) = %q, %q, %q, want %q, %q, %q", tt.name, w, i, p, tt.workload, tt.impl, tt.procs)
		}
	}
}

func TestGroupMedians(t *testing.T) {
	samples, err := parse(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 12 {
		t.Fatalf("parse found %d samples, want 12", len(samples))
	}
	pkgs := group(samples)
	if len(pkgs) != 3 {
		t.Fatalf("group found %d packages, want 3", len(pkgs))
	}
	tests := []struct {
		k    key
		want float64
	}{
		{key{"Zipf/size=1000", "holdfast", "ns/op"}, 30},
		{key{"Zipf/size=1000", "otter", "ns/op"}, 21},
		{key{"Zipf/size=1000", "lru", "hit-ratio"}, 0.52},
	}
	if got := pkgs[0].passes[key{"Zipf/size=1000", "otter", "ns/op"}]; len(got) != 2 || got[0] != 20 || got[1] != 22 {
		t.Errorf("otter's passes = %v, want [20 22]", got)
	}
	for _, tt := range tests {
		if got := pkgs[0].median[tt.k]; got != tt.want {
			t.Errorf("median%v = %v, want %v", tt.k, got, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	samples, err := parse(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	p := group(samples)[0]
	tests := []struct {
		unit, ratio string
		behind      bool
	}{
		// Pass 1: 30 against lru's 10; pass 2: 50 against lru's 12; pass 3:
		// holdfast alone, left out.
		{"ns/op", "**3.58×** (3.00–4.17)", true},
		{"hit-ratio", "1.02× (1.02–1.02)", false}, // 0.61 against otter's 0.60
	}
	for _, tt := range tests {
		r, line := compare(p, "Zipf/size=1000", "holdfast", tt.unit)
		if r != tt.ratio || (line != "") != tt.behind {
			t.Errorf("compare(%s) = %q, %q, want %q, behind %v", tt.unit, r, line, tt.ratio, tt.behind)
		}
	}
}

func TestRenderMarksFloorsAndMissingHoldfast(t *testing.T) {
	samples, err := parse(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	render(&b, machine{Raw: "results.txt", Passes: "3"}, group(samples), "")
	out := b.String()
	for _, want := range []string{
		"## localcache",
		"ran in 3 passes",
		"| Zipf/size=1000 | 30.0 ns | 21.0 ns | 11.0 ns | 1.00 ns | **3.58×** (3.00–4.17) |",
		"- Zipf/size=1000, ns/op: holdfast 30.0 ns, lru 11.0 ns (3.58× in the median pass, 3.00–4.17× over 2)",
		"optimum *bound*",
		"direct *floor*",
		"No holdfast side in this run.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("render output lacks %q:\n%s", want, out)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{3.114, "ns/op", "3.11 ns"},
		{32.86, "ns/op", "32.9 ns"},
		{1435, "ns/op", "1.44 µs"},
		{1.87e9, "ns/op", "1.87 s"},
		{0.5973, "hit-ratio", "0.597"},
		{14, "allocs/op", "14"},
		{0.5, "allocs/op", "0.5"},
	}
	for _, tt := range tests {
		if got := format(tt.v, tt.unit); got != tt.want {
			t.Errorf("format(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}
