package main

import (
	"context"
	"time"

	"github.com/holdfast-go/holdfast/retry"
	"github.com/holdfast-go/holdfast/sim"
)

// series is one strategy's results, one cell per client count.
type series struct {
	name  string
	cells []cell
}

// cell is the mean outcome of the runs for one strategy and client count.
type cell struct {
	clients    int
	calls      float64
	completion time.Duration
}

// simulate fills every strategy's cells, stopping early if ctx is done.
func simulate(ctx context.Context, c config) ([]series, error) {
	// The strategies compared in the AWS article.
	strats := []retry.Strategy{
		retry.Exponential(c.base, c.cap),
		retry.EqualJitter(c.base, c.cap),
		retry.FullJitter(c.base, c.cap),
		retry.Decorrelated(c.base, c.cap),
	}
	out := make([]series, len(strats))
	for i, s := range strats {
		out[i].name = s.String()
		for _, n := range c.clients {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			m, err := mean(c, s, n)
			if err != nil {
				return nil, err
			}
			out[i].cells = append(out[i].cells, m)
		}
	}
	return out, nil
}

// mean averages sim.Jitter over c.seeds seeds.
func mean(c config, s retry.Strategy, clients int) (cell, error) {
	m := cell{clients: clients}
	var total time.Duration
	for seed := range uint64(c.seeds) {
		r, err := sim.Jitter(sim.JitterConfig{Clients: clients, Strategy: s, Slot: c.slot, Seed: seed})
		if err != nil {
			return cell{}, err
		}
		m.calls += float64(r.Calls)
		total += r.Completion
	}
	m.calls /= float64(c.seeds)
	m.completion = total / time.Duration(c.seeds)
	return m, nil
}
