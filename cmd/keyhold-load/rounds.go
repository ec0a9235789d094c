package main

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// Interleaved rounds.
//
// A cell compares targets (keyhold as root, keyhold as an IAM user, the bare server) that
// share one machine with the load generator. Measured one after the other for the whole
// cell, each target meets a different moment of the machine (another tenant's burst, a
// snapshot, a GC cycle of the client), and on a small VM that drift is larger than the
// difference being measured. So a cell is measured in rounds: every round gives each target
// an equal slice, in an order that rotates from round to round, and a target's figures are
// the sum of its slices. Drift then falls on every target alike, and the ratio between two
// targets comes from the same moments.

// target is one thing a cell measures: a client and the process that serves it.
type target struct {
	name   string
	client *kms.Client
	pid    int
}

// tally is a target's measurements summed over a cell's rounds.
type tally struct {
	ops, errors int
	secs        float64
	cpu         time.Duration
	lat         []time.Duration
	rates       []float64 // ops/s of each round's slice, in round order
}

// result summarises the tally as one measured cell.
func (t *tally) result() result {
	slices.Sort(t.lat)
	r := result{ops: t.ops, errors: t.errors, secs: t.secs}
	if n := len(t.lat); n > 0 {
		r.p50, r.p99 = t.lat[n/2], t.lat[n*99/100]
	}
	return r
}

// cpuPerOp is the server CPU per request over all rounds.
func (t *tally) cpuPerOp() time.Duration { return cpuPerRequest(0, t.cpu, t.ops) }

// measureRounds warms every target, then measures each for d in total, split into rounds
// slices taken in rotating order, and returns their tallies in the order of targets.
func measureRounds(ctx context.Context, targets []target, call func(context.Context, *kms.Client) error, c int, d time.Duration, rounds int) ([]tally, error) {
	rounds = max(1, rounds)
	slice := d / time.Duration(rounds)
	for _, t := range targets {
		// Connections, caches and the server's pools warm before anything counts.
		measure(ctx, t.client, call, c, d/10)
	}
	out := make([]tally, len(targets))
	for r := range rounds {
		for j := range targets {
			i := (j + r) % len(targets)
			t := targets[i]
			before, err := processCPU(t.pid)
			if err != nil {
				return nil, err
			}
			res := measure(ctx, t.client, call, c, slice)
			after, err := processCPU(t.pid)
			if err != nil {
				return nil, err
			}
			a := &out[i]
			a.ops += res.ops
			a.errors += res.errors
			a.secs += res.secs
			a.cpu += after - before
			a.lat = append(a.lat, res.lat...)
			a.rates = append(a.rates, res.rate())
		}
	}
	return out, nil
}

// pairedRatios is a's rate over b's, round by round: each pair comes from slices measured
// next to each other, so a burst on the machine moves both. Their median is the comparison
// least moved by one disturbed round; their range shows how noisy the rounds were.
func pairedRatios(a, b *tally) (median, lo, hi float64) {
	var rs []float64
	for i := range min(len(a.rates), len(b.rates)) {
		if b.rates[i] > 0 {
			rs = append(rs, a.rates[i]/b.rates[i])
		}
	}
	if len(rs) == 0 {
		return 0, 0, 0
	}
	slices.Sort(rs)
	median = rs[len(rs)/2]
	if len(rs)%2 == 0 {
		median = (rs[len(rs)/2-1] + rs[len(rs)/2]) / 2
	}
	return median, rs[0], rs[len(rs)-1]
}
