package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/holdfast-go/holdfast/sim"
)

// config is the command line.
type config struct {
	scenarios []string // names; empty: all
	seed      uint64
	svgDir    string
}

func parse(args []string, out io.Writer) (config, error) {
	fs := flag.NewFlagSet("strategies", flag.ContinueOnError)
	fs.SetOutput(out)
	var c config
	names := fs.String("scenario", "", "comma-separated scenarios to run (default all): "+strings.Join(allNames(), ", "))
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the runs")
	fs.StringVar(&c.svgDir, "svg", "", "directory to write one SVG chart per scenario into")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *names != "" {
		c.scenarios = strings.Split(*names, ",")
		for _, n := range c.scenarios {
			if !slices.Contains(allNames(), n) {
				return config{}, fmt.Errorf("-scenario: no scenario %q (have %s)", n, strings.Join(allNames(), ", "))
			}
		}
	}
	return c, nil
}

func allNames() []string {
	var names []string
	for _, f := range sim.Scenarios() {
		s, _ := f()
		names = append(names, s.Name)
	}
	return names
}

// run runs the scenarios chosen on the command line and writes their
// tables to out (and their charts, with -svg).
func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parse(args, out)
	if err != nil {
		return err
	}
	for _, f := range sim.Scenarios() {
		if err := ctx.Err(); err != nil {
			return err
		}
		s, strategies := f()
		if len(c.scenarios) > 0 && !slices.Contains(c.scenarios, s.Name) {
			continue
		}
		rs, err := sim.Compare(s, c.seed, strategies...)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "== %s\n", s.Name)
		if err := sim.WriteTable(out, rs); err != nil {
			return err
		}
		fmt.Fprintln(out)
		if c.svgDir != "" {
			if err := writeSVG(filepath.Join(c.svgDir, s.Name+".svg"), rs); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeSVG(path string, rs []*sim.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := sim.WriteSVG(f, rs); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
