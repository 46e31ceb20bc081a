package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// run parses args, runs the simulations, prints the tables and writes the
// chart if -svg asks for one.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	res, err := simulate(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Clients contending for one resource; attempts within %v of each other collide.\n", c.slot)
	fmt.Fprintf(stdout, "Mean over %d seeds, in virtual time.\n\n", c.seeds)
	printTable(stdout, "Total calls (lower is less load on the resource)", res,
		func(m cell) string { return fmt.Sprintf("%.0f", m.calls) })
	printTable(stdout, "Completion time (when the last client succeeded)", res,
		func(m cell) string { return m.completion.Round(c.slot).String() })
	if c.svg == "" {
		return nil
	}
	if err := writeSVG(c.svg, res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "chart written to %s\n", c.svg)
	return nil
}

// printTable prints one row per client count and one column per strategy.
func printTable(w io.Writer, title string, res []series, format func(cell) string) {
	fmt.Fprintln(w, title)
	fmt.Fprintf(w, "%8s", "clients")
	for _, s := range res {
		fmt.Fprintf(w, "  %*s", len(s.name), s.name)
	}
	fmt.Fprintln(w)
	for i, m := range res[0].cells {
		fmt.Fprintf(w, "%8d", m.clients)
		for _, s := range res {
			fmt.Fprintf(w, "  %*s", len(s.name), format(s.cells[i]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

// writeSVG writes the chart to path.
func writeSVG(path string, res []series) error {
	var b strings.Builder
	drawSVG(&b, res)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("-svg: %w", err)
	}
	return nil
}
