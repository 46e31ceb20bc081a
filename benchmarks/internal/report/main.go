// Command report turns the raw output of the comparative benchmarks into
// benchmarks/RESULTS.md: one section per package, a table per unit with a
// column per impl, holdfast's ratio to the best peer on each row (the
// median of the ratios of each pass, with their range), and a list of the
// rows where holdfast is behind. The n-th result of a benchmark in the
// output belongs to pass n. benchmarks/run calls it; the machine's
// description comes in through flags.
//
// Usage:
//
//	go run ./internal/report -cpu MODEL -cores N -go VERSION -date DATE \
//		-cmd COMMAND [-load LOAD] [-benchstat FILE] results.txt > RESULTS.md
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var m machine
	fs.StringVar(&m.CPU, "cpu", "unknown", "CPU model")
	fs.StringVar(&m.Cores, "cores", "unknown", "number of cores")
	fs.StringVar(&m.Go, "go", "unknown", "Go version")
	fs.StringVar(&m.Date, "date", "unknown", "date of the run")
	fs.StringVar(&m.Command, "cmd", "unknown", "the command that produced the results")
	fs.StringVar(&m.Load, "load", "unknown", "the machine's load average during the run")
	benchstatFile := fs.String("benchstat", "", "benchstat's output to append")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("want exactly one results file")
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	samples, err := parse(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	if len(samples) == 0 {
		return fmt.Errorf("%s holds no benchmark results", fs.Arg(0))
	}
	var bs []byte
	if *benchstatFile != "" {
		if bs, err = os.ReadFile(*benchstatFile); err != nil {
			return err
		}
	}
	m.Raw = filepath.Base(fs.Arg(0))
	m.Procs = procs(samples)
	pkgs := group(samples)
	m.Passes = strconv.Itoa(passes(pkgs))
	render(os.Stdout, m, pkgs, string(bs))
	return nil
}

// passes returns the largest number of passes of a benchmark.
func passes(pkgs []*pkgResults) int {
	n := 0
	for _, p := range pkgs {
		for _, v := range p.passes {
			n = max(n, len(v))
		}
	}
	return n
}

// procs lists the GOMAXPROCS values of the samples, from their names.
func procs(samples []sample) string {
	var ps []string
	for _, s := range samples {
		if s.procs != "" {
			ps = appendNew(ps, s.procs)
		}
	}
	if len(ps) == 0 {
		return "unknown"
	}
	return strings.Join(ps, ", ")
}
