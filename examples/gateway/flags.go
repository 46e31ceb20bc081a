package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// config is what the flags set.
type config struct {
	duration    time.Duration // the phases together
	concurrency int           // load generator workers
	redis       string        // Redis address; empty: in-memory Store
	serve       bool          // run the services only, until a signal
	addr        string        // the gateway's listen address
	seed        uint64        // the load generator's random source
}

// minDuration keeps each phase long enough for a breaker to open and close.
const minDuration = 400 * time.Millisecond

// parseFlags reads args into a config; REDIS_ADDR is the default of -redis.
// It returns flag.ErrHelp, after printing the usage to stdout, when args ask
// for help.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c config
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "how long the load runs, split in five phases")
	fs.IntVar(&c.concurrency, "concurrency", 8, "requests in flight from the load generator")
	fs.StringVar(&c.redis, "redis", os.Getenv("REDIS_ADDR"), "Redis `address` for the shared cache tier (default $REDIS_ADDR; none: in memory)")
	fs.BoolVar(&c.serve, "serve", false, "run only the gateway and upstreams, until SIGINT or SIGTERM")
	fs.StringVar(&c.addr, "addr", "", "gateway listen `address` (default 127.0.0.1:8080 with -serve, a free port otherwise)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the load generator")
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
	if c.addr == "" {
		c.addr = "127.0.0.1:0"
		if c.serve {
			c.addr = "127.0.0.1:8080"
		}
	}
	switch {
	case c.duration < minDuration:
		return c, fmt.Errorf("-duration must be at least %v, got %v", minDuration, c.duration)
	case c.concurrency < 1 || c.concurrency > 1024:
		return c, fmt.Errorf("-concurrency must be between 1 and 1024, got %d", c.concurrency)
	}
	return c, nil
}

// phaseLength is how long each phase lasts.
func (c config) phaseLength() time.Duration { return c.duration / time.Duration(len(phases)) }

// openDuration is how long a breaker stays open: short next to a phase, so
// that a breaker opened in one phase has time to probe and close in the next.
func (c config) openDuration() time.Duration {
	return min(max(c.phaseLength()/5, 50*time.Millisecond), 2*time.Second)
}
