package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// sample is one benchmark result line, split into the package, the
// workload (the name without "Benchmark", the impl= element and the
// GOMAXPROCS suffix), the impl and its values by unit.
type sample struct {
	pkg, workload, impl string
	procs               string // the GOMAXPROCS suffix, "" if none
	values              map[string]float64
}

// parse reads `go test -bench` output. Lines that are not results (the
// goos/pkg/cpu headers aside) are ignored, so the output of several
// packages and of -count runs can be concatenated.
func parse(r io.Reader) ([]sample, error) {
	var (
		out []sample
		pkg string
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		s, ok, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if ok {
			s.pkg = pkg
			out = append(out, s)
		}
	}
	return out, sc.Err()
}

// parseLine parses one result line. It reports false for a line that
// starts with "Benchmark" but is not a result (a benchmark's log output).
func parseLine(line string) (sample, bool, error) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 {
		return sample{}, false, nil
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return sample{}, false, nil
	}
	workload, impl, procs := splitName(f[0])
	s := sample{workload: workload, impl: impl, procs: procs, values: make(map[string]float64)}
	for i := 2; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return sample{}, false, fmt.Errorf("value %q of %s: %w", f[i], f[0], err)
		}
		s.values[f[i+1]] = v
	}
	return s, true, nil
}

// splitName turns "BenchmarkMap/items=10/impl=conc-2" into the workload
// "Map/items=10", the impl "conc" and the GOMAXPROCS "2".
func splitName(name string) (workload, impl, procs string) {
	name = strings.TrimPrefix(name, "Benchmark")
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name, procs = name[:i], name[i+1:]
		}
	}
	parts := strings.Split(name, "/")
	kept := parts[:0]
	for _, p := range parts {
		if v, ok := strings.CutPrefix(p, "impl="); ok {
			impl = v
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "/"), impl, procs
}

// pkgResults are the results of one package: for each workload, impl and
// unit, the value of each pass and their median.
type pkgResults struct {
	name      string
	workloads []string // in order of first appearance
	impls     []string // in order of first appearance
	units     []string // in order of first appearance
	median    map[key]float64
	passes    map[key][]float64 // by pass; NaN where a pass lacks the value
}

type key struct{ workload, impl, unit string }

// group gathers samples by package, in order of first appearance, and
// takes the medians. The n-th result of a benchmark belongs to pass n:
// benchmarks/run runs every benchmark once per pass, all of them in each
// pass before the next, so that the sides of a comparison run close in
// time and each pass compares them on the same machine state.
func group(samples []sample) []*pkgResults {
	var (
		pkgs   []*pkgResults
		byName = map[string]*pkgResults{}
		seen   = map[key]int{} // results so far by workload and impl (unit "")
	)
	for _, s := range samples {
		p := byName[s.pkg]
		if p == nil {
			p = &pkgResults{name: s.pkg, median: map[key]float64{}, passes: map[key][]float64{}}
			byName[s.pkg] = p
			pkgs = append(pkgs, p)
		}
		p.workloads = appendNew(p.workloads, s.workload)
		p.impls = appendNew(p.impls, s.impl)
		run := key{s.pkg + "\x00" + s.workload, s.impl, ""}
		pass := seen[run]
		seen[run]++
		for _, u := range sortedUnits(s.values) {
			p.units = appendNew(p.units, u)
			k := key{s.workload, s.impl, u}
			for len(p.passes[k]) < pass {
				p.passes[k] = append(p.passes[k], math.NaN())
			}
			p.passes[k] = append(p.passes[k], s.values[u])
		}
	}
	for _, p := range pkgs {
		for k, v := range p.passes {
			p.median[k] = median(slices.DeleteFunc(slices.Clone(v), math.IsNaN))
		}
	}
	return pkgs
}

// sortedUnits returns the units of a result in the order go test prints
// them: ns/op, then custom units by name, then B/op and allocs/op.
func sortedUnits(values map[string]float64) []string {
	rank := func(u string) int {
		switch u {
		case "ns/op":
			return 0
		case "B/op":
			return 2
		case "allocs/op":
			return 3
		}
		return 1
	}
	var us []string
	for u := range values {
		us = append(us, u)
	}
	slices.SortFunc(us, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return us
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
