package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// config is what the flags set.
type config struct {
	clients []int
	base    time.Duration
	cap     time.Duration
	slot    time.Duration
	seeds   int
	svg     string
}

// maxClients bounds -clients so that a typo cannot run for minutes.
const maxClients = 10_000

// parseFlags reads args into a config. It returns flag.ErrHelp, after
// printing the usage to stdout, when args ask for help.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	fs := flag.NewFlagSet("jitter", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c config
	clients := fs.String("clients", "10,25,50,75,100", "comma-separated client counts")
	fs.DurationVar(&c.base, "base", 10*time.Millisecond, "first backoff delay")
	fs.DurationVar(&c.cap, "cap", time.Second, "longest backoff delay")
	fs.DurationVar(&c.slot, "slot", time.Millisecond, "duration of one attempt, and the collision window")
	fs.IntVar(&c.seeds, "seeds", 20, "runs averaged per cell")
	fs.StringVar(&c.svg, "svg", "", "also write a chart to this `file`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.clients, err = parseClients(*clients); err != nil {
		return c, err
	}
	if c.seeds < 1 {
		return c, fmt.Errorf("-seeds must be >= 1, got %d", c.seeds)
	}
	return c, nil // base, cap and slot are checked by sim.Jitter
}

// parseClients parses a list such as "10,50,100" into increasing counts.
func parseClients(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxClients {
			return nil, fmt.Errorf("-clients: %q is not a count between 1 and %d", f, maxClients)
		}
		if len(out) > 0 && n <= out[len(out)-1] {
			return nil, fmt.Errorf("-clients: counts must increase, got %d after %d", n, out[len(out)-1])
		}
		out = append(out, n)
	}
	return out, nil
}
