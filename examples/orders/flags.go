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
	duration   time.Duration // the phases before the drain, together
	workers    int           // worker processes
	rate       int           // orders a second in the steady phases
	seed       uint64        // the clients' random source
	redis      string        // Redis address; empty: start a redis-server
	visibility time.Duration // the queue's visibility timeout
	drain      time.Duration // the longest the drain may take
	exe        string        // the binary run for the intake and workers
	control    redisControl  // kills and restarts the Redis at redis (tests); nil: not killed
}

// Bounds of the flags.
const (
	minDuration = 3500 * time.Millisecond // half a second a phase
	maxWorkers  = 16
	maxRate     = 2000
)

// parseFlags reads args into a config; REDIS_ADDR is the default of -redis.
// It returns flag.ErrHelp, after printing the usage to stdout, when args ask
// for help.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	fs := flag.NewFlagSet("orders", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c config
	fs.DurationVar(&c.duration, "duration", 21*time.Second, "how long the phases last together, before the drain")
	fs.IntVar(&c.workers, "workers", 3, "worker processes (at least 2: one is killed)")
	fs.IntVar(&c.rate, "rate", 40, "orders a second from the clients in the steady phases (five times that in the burst)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the clients' random source")
	fs.StringVar(&c.redis, "redis", os.Getenv("REDIS_ADDR"), "Redis `address` on loopback (default $REDIS_ADDR; none: start a redis-server)")
	fs.DurationVar(&c.visibility, "visibility", 2*time.Second, "the queue's visibility timeout: how long a killed worker's orders wait")
	fs.DurationVar(&c.drain, "drain", 20*time.Second, "the longest the drain may take")
	fs.StringVar(&c.exe, "exe", "", "the `binary` to run as the intake and the workers (default: this program)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("takes no arguments, got %q", fs.Arg(0))
	}
	return c, c.validate()
}

// validate checks the flags' values.
func (c config) validate() error {
	switch {
	case c.duration < minDuration:
		return fmt.Errorf("-duration must be at least %v, got %v", minDuration, c.duration)
	case c.workers < 2 || c.workers > maxWorkers:
		return fmt.Errorf("-workers must be between 2 and %d, got %d", maxWorkers, c.workers)
	case c.rate < 1 || c.rate > maxRate:
		return fmt.Errorf("-rate must be between 1 and %d, got %d", maxRate, c.rate)
	case c.visibility < 200*time.Millisecond || c.visibility > time.Minute:
		return fmt.Errorf("-visibility must be between 200ms and 1m, got %v", c.visibility)
	case c.drain < time.Second:
		return fmt.Errorf("-drain must be at least 1s, got %v", c.drain)
	}
	if c.redis != "" {
		if err := checkLoopback(c.redis); err != nil {
			return fmt.Errorf("-redis: %w", err)
		}
	}
	return nil
}

// phaseLength is how long each phase lasts.
func (c config) phaseLength() time.Duration { return c.duration / time.Duration(len(phases)) }

// intakeCapacity is how many orders a second the intake can take: above
// the steady rate, below the burst's five times.
func (c config) intakeCapacity() int { return c.rate * 3 }

// chargeRate is the provider's rate limit on charges, a second: above the
// intake's capacity, so that the queue's backlog stays short.
func (c config) chargeRate() int { return c.rate*3 + c.rate/2 }

// sharedRate is the workers' shared limit, a little under the provider's.
func (c config) sharedRate() int { return max(1, c.chargeRate()*9/10) }
