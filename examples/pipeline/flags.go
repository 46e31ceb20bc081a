package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// config is what the flags set.
type config struct {
	producers int
	workers   int
	capacity  int
	rate      float64       // items started per second, across workers
	work      time.Duration // how long handling one item takes
	failEvery int           // every failEvery-th item fails (0: none)
	duration  time.Duration // how long the producers run
	grace     time.Duration // how long Shutdown may take
}

// parseFlags reads args into a config. It returns flag.ErrHelp, after
// printing the usage to stdout, when args ask for help.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c config
	fs.IntVar(&c.producers, "producers", 4, "producer goroutines")
	fs.IntVar(&c.workers, "workers", 8, "worker goroutines")
	fs.IntVar(&c.capacity, "capacity", 64, "queue capacity")
	fs.Float64Var(&c.rate, "rate", 200, "items handled per second, at most")
	fs.DurationVar(&c.work, "work", 20*time.Millisecond, "time to handle one item")
	fs.IntVar(&c.failEvery, "fail-every", 25, "make every n-th item fail (0: none)")
	fs.DurationVar(&c.duration, "duration", 3*time.Second, "how long the producers run")
	fs.DurationVar(&c.grace, "grace", time.Second, "how long the shutdown may take")
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
	return c, c.validate()
}

func (c config) validate() error {
	switch {
	case c.producers < 1:
		return fmt.Errorf("-producers must be >= 1, got %d", c.producers)
	case c.rate <= 0:
		return fmt.Errorf("-rate must be > 0, got %g", c.rate)
	case c.work < 0:
		return fmt.Errorf("-work must be >= 0, got %v", c.work)
	case c.failEvery < 0:
		return fmt.Errorf("-fail-every must be >= 0, got %d", c.failEvery)
	case c.duration <= 0:
		return fmt.Errorf("-duration must be > 0, got %v", c.duration)
	case c.grace <= 0:
		return fmt.Errorf("-grace must be > 0, got %v", c.grace)
	}
	return nil // workers and capacity are checked by queue.NewPool
}
