// Command report turns the raw output of the comparative benchmarks into
// benchmarks/RESULTS.md: one section per package, a table per unit with a
// column per impl, holdfast's ratio to the best peer on each row, and a
// list of the rows where holdfast is behind. benchmarks/run calls it; the
// machine's description comes in through flags.
//
// Usage:
//
//	go run ./internal/report -cpu MODEL -cores N -go VERSION -date DATE \
//		-cmd COMMAND [-benchstat FILE] results.txt > RESULTS.md
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
	render(os.Stdout, m, group(samples), string(bs))
	return nil
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
